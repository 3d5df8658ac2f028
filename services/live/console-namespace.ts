import type { Namespace, Server, Socket } from "socket.io";
import { z } from "zod";
import { originAllowed } from "../api/origin-check.ts";
import type { ControlPlaneMetrics } from "../metrics/control-plane.metrics.ts";
import { LIVE_TOPICS, type LiveBus } from "./live-bus.ts";

export const CONSOLE_NAMESPACE = "/console";
/** Client → server: join topic rooms; acknowledged with the rooms joined. */
export const SUBSCRIBE_EVENT = "subscribe";
export const UNSUBSCRIBE_EVENT = "unsubscribe";

const subscribeSchema = z.strictObject({ topics: z.array(z.enum(LIVE_TOPICS)).min(1).max(LIVE_TOPICS.length) });

/** Who a console socket acts as; re-checked on every event so a closed session stops at once. */
export type ConsolePrincipal = { kind: "admin"; user: string } | { kind: "agent"; agent: string };

export interface ConsoleNamespaceDeps {
  io: Server;
  bus: LiveBus;
  metrics: ControlPlaneMetrics;
  allowedOrigins: ReadonlySet<string>;
  /** Resolves a handshake token (admin session or agent token) to a principal. */
  authenticate(token: string | undefined): ConsolePrincipal | undefined;
  /** Max events per socket per second before they are refused. */
  maxEventsPerSecond?: number;
  /** Messages queued for one client before further ones are dropped for it (and counted). */
  maxQueuedPerClient?: number;
}

/**
 * `/console`: live events, state changes and alert changes, pushed to rooms by topic. Each
 * client has a bounded queue: a client whose connection has more than `maxQueuedPerClient`
 * messages waiting is left out of the next broadcasts (counted in
 * `cityplane_live_dropped_total`) until it catches up, so a slow browser never holds the server
 * or the other clients back. (Plain volatile emits would also drop messages for healthy
 * clients during a burst: engine.io's transport is not writable until the previous write's
 * callback, so every message after the first of a synchronous burst would be lost.)
 */
export function attachConsoleNamespace(deps: ConsoleNamespaceDeps): { close(): void; namespace: Namespace } {
  const nsp = deps.io.of(CONSOLE_NAMESPACE);
  const maxRate = deps.maxEventsPerSecond ?? 20;
  const maxQueued = deps.maxQueuedPerClient ?? 500;

  nsp.use((socket, next) => {
    if (!originAllowed(socket.handshake.headers.origin, deps.allowedOrigins)) {
      deps.metrics.socketDenied.inc({ namespace: CONSOLE_NAMESPACE, reason: "origin" });
      return next(new Error("origin not allowed"));
    }
    const token = (socket.handshake.auth as { token?: unknown }).token;
    const principal = deps.authenticate(typeof token === "string" ? token : undefined);
    if (!principal) {
      deps.metrics.socketDenied.inc({ namespace: CONSOLE_NAMESPACE, reason: "token" });
      return next(new Error("a valid session or agent token is required"));
    }
    socket.data.token = token;
    socket.data.principal = principal;
    next();
  });

  nsp.on("connection", (socket: Socket) => {
    deps.metrics.consoleClients.inc();
    let windowStart = Date.now();
    let count = 0;
    // Every event is authorised again: the session may have ended since the handshake.
    socket.use((_packet, next) => {
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        count = 0;
      }
      if (++count > maxRate) {
        deps.metrics.socketDenied.inc({ namespace: CONSOLE_NAMESPACE, reason: "rate" });
        return next(new Error("too many events"));
      }
      if (!deps.authenticate(socket.data.token as string)) {
        deps.metrics.socketDenied.inc({ namespace: CONSOLE_NAMESPACE, reason: "expired" });
        socket.disconnect(true);
        return next(new Error("session ended"));
      }
      next();
    });
    socket.on("error", () => undefined);
    socket.on(SUBSCRIBE_EVENT, (raw: unknown, ack?: unknown) => {
      const parsed = subscribeSchema.safeParse(raw);
      const reply = typeof ack === "function" ? (ack as (r: unknown) => void) : () => undefined;
      if (!parsed.success) return reply({ ok: false, error: `topics must be a list of ${LIVE_TOPICS.join(", ")}` });
      for (const t of parsed.data.topics) void socket.join(t);
      reply({ ok: true, topics: [...socket.rooms].filter((r) => r !== socket.id) });
    });
    socket.on(UNSUBSCRIBE_EVENT, (raw: unknown, ack?: unknown) => {
      const parsed = subscribeSchema.safeParse(raw);
      if (parsed.success) for (const t of parsed.data.topics) void socket.leave(t);
      if (typeof ack === "function") (ack as (r: unknown) => void)({ ok: parsed.success });
    });
    socket.on("disconnect", () => deps.metrics.consoleClients.dec());
  });

  const unsubscribe = deps.bus.subscribe((topic, payload) => {
    const room = nsp.adapter.rooms.get(topic);
    if (!room || room.size === 0) return;
    const behind: string[] = [];
    for (const id of room) {
      // engine.io keeps unsent packets in `writeBuffer` (typed private; stable since engine.io 1).
      const conn = nsp.sockets.get(id)?.conn as unknown as { writeBuffer?: unknown[] } | undefined;
      const queued = conn?.writeBuffer?.length ?? 0;
      if (queued >= maxQueued) behind.push(id);
    }
    if (behind.length > 0) deps.metrics.liveDropped.inc(behind.length);
    // One broadcast: the packet is encoded once for every client still keeping up.
    if (behind.length < room.size) nsp.to(topic).except(behind).emit(topic, payload);
  });
  return { close: unsubscribe, namespace: nsp };
}
