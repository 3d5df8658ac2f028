import type { Logger } from "pino";
import { Server as SocketServer } from "socket.io";
import type { CityplaneConfig } from "../config/config.ts";
import type { Inventory } from "../inventory/inventory.schema.ts";
import { attachAgentsNamespace } from "./agents/agents-namespace.ts";
import { AssignmentService } from "./agents/assignment.service.ts";
import type { ApiPrincipal } from "./api/bearer-auth.ts";
import { registerDocsRoutes } from "./api/docs.routes.ts";
import { registerHealthRoutes } from "./api/health.routes.ts";
import { createHttpApp, type HttpApp } from "./api/http-app.ts";
import type { IngestPort } from "./api/ingest.port.ts";
import { registerIngestRoutes, type IngestLimits } from "./api/ingest.routes.ts";
import { ObservedStateService } from "./api/observed-state.service.ts";
import { ownOrigins } from "./api/origin-check.ts";
import { registerQueryRoutes } from "./api/query.routes.ts";
import { QueryService } from "./api/query.service.ts";
import { registerSessionRoutes } from "./api/session.routes.ts";
import { registerStatusPage } from "./api/status-page.routes.ts";
import { ingestPort } from "./api/ingest-port.adapter.ts";
import { IngestService, type IngestLimits as IngestPolicyLimits } from "./ingest/ingest.service.ts";
import { verifyPassword, type AdminCredentialFile } from "./auth/admin-credentials.ts";
import { watchAgentTokens, type AgentTokens } from "./auth/agent-tokens.ts";
import { SessionTokens } from "./auth/session-tokens.ts";
import { attachConsoleNamespace } from "./live/console-namespace.ts";
import { LiveBus } from "./live/live-bus.ts";
import { ControlPlaneMetrics } from "./metrics/control-plane.metrics.ts";
import { registerMetricsRoutes } from "./metrics/metrics.routes.ts";
import { StateRecorder } from "./state/state-recorder.ts";
import { declaredFromInventory, StateTracker, type StateTrackerOptions } from "./state/state-tracker.ts";
import type { Store } from "./store/store.ts";
import type { AddressResolver } from "./targets/address-resolver.ts";
import { DEFAULT_INTERVALS, targetsFromInventory, type TargetIntervals } from "./targets/inventory-targets.ts";

export interface ControlPlaneDeps {
  config: Readonly<CityplaneConfig>;
  store: Store;
  inventory: Inventory;
  resolver: AddressResolver;
  /** Kept in step with `<config.dataDir>/agent-tokens.json` while running (see agentTokensPollMs). */
  agentTokens: AgentTokens;
  /** How often the token file is checked for changes (default 1000 ms; 0 = never). */
  agentTokensPollMs?: number;
  admin: AdminCredentialFile;
  logger: Logger | false;
  /** Defaults to writing straight to the store. */
  ingest?: IngestPort;
  intervals?: TargetIntervals;
  /** The agents' heartbeat interval (the agent's default is 15 s); silent after two. */
  heartbeatIntervalMs?: number;
  ingestLimits?: Partial<IngestLimits>;
  ingestPolicy?: Partial<IngestPolicyLimits>;
  /** Live messages queued per console client before it is skipped (default 500). */
  maxQueuedPerClient?: number;
  /** Built console files served at `/` when present. */
  consoleDir?: string;
  now?: () => number;
  version?: string;
  /** Windows of the observed-state derivation (recheck, silence, certificate warning) and its sweep period. */
  observedState?: StateTrackerOptions & { sweepEveryMs?: number };
}

/** A composed control plane, not yet listening. */
export interface ControlPlane {
  app: HttpApp;
  io: SocketServer;
  bus: LiveBus;
  assignments: AssignmentService;
  sessions: SessionTokens;
  metrics: ControlPlaneMetrics;
  /** Listens and returns the base URL. */
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Composition only: builds the HTTP app, the socket.io namespaces and the services from the
 * config, the store and the inventory. Nothing here does work of its own.
 */
export async function buildControlPlane(deps: ControlPlaneDeps): Promise<ControlPlane> {
  const now = deps.now ?? Date.now;
  const metrics = new ControlPlaneMetrics();
  const bus = new LiveBus();
  const sessions = new SessionTokens(now);
  const observed = new ObservedStateService();
  // Observed state (up/down/degraded/unknown) is derived at ingest and recorded as intervals,
  // the basis of availability; the open intervals in the store are continued, not reopened.
  const tracker = new StateTracker(declaredFromInventory(deps.inventory), deps.observedState);
  const states = await StateRecorder.start({
    store: deps.store, bus, tracker, now, sweepEveryMs: deps.observedState?.sweepEveryMs,
    onError: (err, what) => {
      if (deps.logger) deps.logger.warn({ err: err.message }, `observed state: failed ${what}`);
    },
  });
  const query = new QueryService(deps.store, deps.inventory, observed, tracker, metrics);
  const assignments = new AssignmentService(deps.heartbeatIntervalMs ?? 15_000);
  const targets = targetsFromInventory(deps.inventory, deps.resolver, deps.intervals ?? DEFAULT_INTERVALS);
  assignments.setTargets(targets);
  metrics.targetsTotal.set(targets.length);

  const authenticate = (token: string | undefined): ApiPrincipal | undefined => {
    const user = sessions.verify(token);
    if (user !== undefined) return { kind: "admin", user };
    const agent = deps.agentTokens.verify(token);
    return agent !== undefined ? { kind: "agent", agent } : undefined;
  };

  const app = await createHttpApp({ logger: deps.logger, version: deps.version ?? "0.1.0" });
  registerHealthRoutes(app, { ping: () => metrics.timeDb("ping", () => deps.store.ping()) });
  registerMetricsRoutes(app, metrics);
  registerIngestRoutes(app, {
    ingest: deps.ingest ?? ingestPort(new IngestService(deps.store, now, { rawRetentionDays: deps.config.retention.rawDays, ...deps.ingestPolicy }), metrics),
    agentOf: (t) => deps.agentTokens.verify(t),
    metrics,
    limits: deps.ingestLimits,
    // One live message per topic per ingest batch (an array), never one per item: a batch of
    // thousands of events must not become thousands of queued socket messages per client.
    // One walk over the batch's series serves the reporting tracker, the state tracker and the sample count.
    afterSamples: (series) => {
      const batch = tracker.read(series);
      const changes = observed.heard(batch.reporting, now());
      if (changes.length > 0) bus.publish("states", changes.map((c) => ({ change: "reporting" as const, ...c })));
      states.apply(batch);
      bus.publish("ingest", { samples: batch.samples, atMs: now() });
    },
    afterEvents: (events) => {
      const security = events.filter((e) => e.security);
      const other = events.filter((e) => !e.security);
      if (other.length > 0) bus.publish("events", other);
      if (security.length > 0) bus.publish("security", security);
    },
  });
  registerSessionRoutes(app, {
    login: async (username, password) => (username === deps.admin.username && (await verifyPassword(password, deps.admin.scrypt)) ? username : undefined),
    open: (user) => sessions.open(user),
    close: (token) => sessions.close(token),
  });
  registerQueryRoutes(app, { query, authenticate, now });
  registerDocsRoutes(app);
  await registerStatusPage(app, { query, consoleDir: deps.consoleDir });

  const allowedOrigins = ownOrigins(deps.config.server.host, deps.config.server.port, deps.config.server.publicUrl);
  const io = new SocketServer(app.server, { serveClient: false, maxHttpBufferSize: 256 * 1024, pingInterval: 10_000, pingTimeout: 10_000 });
  // The default namespace serves nothing: refuse it rather than leave an anonymous door open.
  io.use((_socket, next) => next(new Error("use the /agents or /console namespace")));
  const agentsNs = attachAgentsNamespace({ io, assignments, tokens: deps.agentTokens, metrics, allowedOrigins, now });
  const consoleNs = attachConsoleNamespace({ io, bus, metrics, allowedOrigins, authenticate, maxQueuedPerClient: deps.maxQueuedPerClient });
  const sweep = setInterval(() => {
    const changes = observed.sweep(now());
    if (changes.length > 0) bus.publish("states", changes.map((c) => ({ change: "reporting" as const, ...c })));
  }, 30_000);
  sweep.unref();
  // Retention runs in small batches inside the store; hourly is plenty for day-sized policies.
  const retention = setInterval(() => {
    void metrics.timeDb("applyRetention", () => deps.store.applyRetention(now(), deps.config.retention)).catch((err: Error) => {
      if (deps.logger) deps.logger.warn({ err: err.message }, "retention pass failed; will retry in an hour");
    });
  }, 3_600_000);
  retention.unref();
  const pollMs = deps.agentTokensPollMs ?? 1000;
  const stopTokenWatch = pollMs > 0
    ? watchAgentTokens(deps.config.dataDir, deps.agentTokens, {
      intervalMs: pollMs,
      onReload: (size) => {
        if (!deps.logger) return;
        if (size > 0) deps.logger.info({ tokens: size }, "agent tokens reloaded");
        else deps.logger.warn("agent tokens reloaded: none left, no agent can connect or ingest");
      },
      onError: (err) => {
        if (deps.logger) deps.logger.error({ err: err.message }, "agent token file not reloaded; the previous tokens stay in force until it is fixed");
      },
    })
    : () => undefined;

  let listening = false;
  return {
    app,
    io,
    bus,
    assignments,
    sessions,
    metrics,
    async listen(host, port) {
      const address = await app.listen({ host, port });
      listening = true;
      return address;
    },
    async close() {
      stopTokenWatch();
      clearInterval(sweep);
      clearInterval(retention);
      await states.close();
      agentsNs.close();
      consoleNs.close();
      io.disconnectSockets(true);
      io.of("/agents").disconnectSockets(true);
      io.of("/console").disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (listening || app.server.listening) await app.close().catch(() => undefined);
      else await app.close();
    },
  };
}
