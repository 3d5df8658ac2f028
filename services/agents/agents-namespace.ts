import type { Server, Socket } from "socket.io";
import { AGENTS_NAMESPACE, ASSIGNMENT_EVENT, HEARTBEAT_EVENT, heartbeatSchema, type Heartbeat } from "../../protocol/assignment.schema.ts";
import { originAllowed } from "../api/origin-check.ts";
import type { AgentTokens, TokenOwner } from "../auth/agent-tokens.ts";
import type { ControlPlaneMetrics } from "../metrics/control-plane.metrics.ts";
import type { AssignmentPush, AssignmentService } from "./assignment.service.ts";

export interface AgentsNamespaceDeps {
  io: Server;
  assignments: AssignmentService;
  tokens: AgentTokens;
  metrics: ControlPlaneMetrics;
  allowedOrigins: ReadonlySet<string>;
  now?: () => number;
  onHeartbeat?: (hb: Heartbeat) => void;
}

/**
 * The `/agents` control channel: an agent authenticates with `auth: {token, agent}` (the token
 * must belong to that agent name), receives its assignment on connect and on every change, and
 * heartbeats. A second connection under the same name replaces the first. When the token set
 * is replaced (the file was reloaded), a socket whose token was revoked or rotated is
 * disconnected; the agent comes back with its new token, if it has one.
 */
export function attachAgentsNamespace(deps: AgentsNamespaceDeps): { close(): void; push(p: AssignmentPush): void } {
  const now = deps.now ?? Date.now;
  const nsp = deps.io.of(AGENTS_NAMESPACE);
  const sockets = new Map<string, Socket>();

  const push = (p: AssignmentPush): void => {
    for (const [agent, assignment] of p) sockets.get(agent)?.emit(ASSIGNMENT_EVENT, assignment);
    deps.metrics.agentsConnected.set(sockets.size);
    deps.metrics.targetsAssigned.set(deps.assignments.assignedCount);
  };

  nsp.use((socket, next) => {
    if (!originAllowed(socket.handshake.headers.origin, deps.allowedOrigins)) {
      deps.metrics.socketDenied.inc({ namespace: AGENTS_NAMESPACE, reason: "origin" });
      return next(new Error("origin not allowed"));
    }
    const auth = socket.handshake.auth as { token?: unknown; agent?: unknown };
    const owner = deps.tokens.owner(typeof auth.token === "string" ? auth.token : undefined);
    if (owner === undefined || (auth.agent !== undefined && auth.agent !== owner.agent)) {
      deps.metrics.socketDenied.inc({ namespace: AGENTS_NAMESPACE, reason: "token" });
      return next(new Error("unknown agent token"));
    }
    // The hash, not the token, so a reload can tell whether this socket's token still stands.
    socket.data.agent = owner.agent;
    socket.data.token = owner;
    next();
  });

  nsp.on("connection", (socket: Socket) => {
    const agent = socket.data.agent as string;
    // Revoked between the handshake and now (a reload in between): refuse it here as well.
    if (!deps.tokens.holds(socket.data.token as TokenOwner)) {
      socket.disconnect(true);
      return;
    }
    const previous = sockets.get(agent);
    sockets.set(agent, socket);
    previous?.disconnect(true);
    socket.on("error", () => undefined);
    const p = deps.assignments.connect(agent, now());
    push(p);
    socket.onAny(() => push(deps.assignments.heard(agent, now())));
    socket.on(HEARTBEAT_EVENT, (raw: unknown, ack?: unknown) => {
      const hb = heartbeatSchema.safeParse(raw);
      if (hb.success && hb.data.agent === agent) deps.onHeartbeat?.(hb.data);
      if (typeof ack === "function") (ack as (r: unknown) => void)(hb.success ? { ok: true, version: deps.assignments.assignmentOf(agent).version } : { ok: false, error: "invalid heartbeat" });
    });
    socket.on("disconnect", () => {
      if (sockets.get(agent) !== socket) return;
      sockets.delete(agent);
      push(deps.assignments.disconnect(agent));
    });
  });

  const stopWatching = deps.tokens.onReplace(() => {
    for (const socket of nsp.sockets.values()) {
      if (!deps.tokens.holds(socket.data.token as TokenOwner)) {
        deps.metrics.socketDenied.inc({ namespace: AGENTS_NAMESPACE, reason: "revoked" });
        socket.disconnect(true);
      }
    }
  });

  const timer = setInterval(() => push(deps.assignments.sweep(now())), Math.max(250, deps.assignments.heartbeatIntervalMs / 2));
  timer.unref();
  return {
    push,
    close: () => {
      clearInterval(timer);
      stopWatching();
    },
  };
}
