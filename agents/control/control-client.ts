/**
 * The agent's control channel: a socket.io client on the control plane's `/agents` namespace
 * that receives target assignments and sends heartbeats (protocol/assignment.schema.ts).
 * Every assignment is validated; an invalid one is counted, logged without its values, and
 * ignored, so a bad push never replaces a working assignment.
 */
import { Counter, Gauge, Registry } from "prom-client";
import { io, type Socket } from "socket.io-client";
import { AGENTS_NAMESPACE, ASSIGNMENT_EVENT, assignmentSchema, HEARTBEAT_EVENT, heartbeatSchema, type Assignment, type Heartbeat } from "../../protocol/assignment.schema.ts";

/** The subset of a pino logger the client uses. */
export interface ControlLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** Control-channel options. */
export interface ControlClientOptions {
  /** Control plane base URL (http or https); the namespace is appended. */
  url: string;
  /**
   * Sent in the handshake's `auth`; never logged. A function is asked again at every handshake,
   * so a token rotated on disk is picked up by the next reconnection without a restart.
   */
  token: string | (() => string);
  /** This agent's name. */
  agent: string;
  /** What the heartbeat reports (the assignment version applied, target count, spool and memory use). */
  status: () => Omit<Heartbeat, "agent">;
  heartbeatIntervalMs?: number;
  /** Reconnection back-off bounds (socket.io adds ±50% jitter). */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
  registry?: Registry;
  logger?: ControlLogger;
}

/** Acknowledgement an agent returns for an assignment the server emitted with a callback. */
export type AssignmentAck = { ok: true; version: number } | { ok: false; error: string };

/** See the module comment. */
export class ControlClient {
  readonly registry: Registry;
  private readonly socket: Socket;
  private readonly listeners = new Set<(a: Assignment) => void>();
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly assignments: Counter<"result">;
  private readonly connectErrors: Counter;
  private readonly connectedGauge: Gauge;
  private readonly heartbeats: Counter;

  constructor(private readonly opts: ControlClientOptions) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    this.assignments = new Counter({ name: "cityplane_agent_control_assignments_total", help: "Assignments received, by result (applied, invalid).", labelNames: ["result"], registers });
    this.connectErrors = new Counter({ name: "cityplane_agent_control_connect_errors_total", help: "Failed connections to the control plane.", registers });
    this.heartbeats = new Counter({ name: "cityplane_agent_control_heartbeats_total", help: "Heartbeats sent.", registers });
    this.connectedGauge = new Gauge({ name: "cityplane_agent_control_connected", help: "1 while the control channel is connected.", registers });
    const base = new URL(opts.url);
    this.socket = io(new URL(AGENTS_NAMESPACE, base).toString(), {
      auth: (cb) => cb({ token: typeof opts.token === "function" ? opts.token() : opts.token, agent: opts.agent }),
      // Agents talk websocket only: no long-polling fallback to keep sticky sessions for.
      transports: ["websocket"],
      autoConnect: false,
      reconnection: true,
      reconnectionDelay: opts.reconnectDelayMs ?? 1000,
      reconnectionDelayMax: opts.reconnectDelayMaxMs ?? 30_000,
      randomizationFactor: 0.5,
    });
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("disconnect", (reason) => this.onDisconnect(reason));
    this.socket.on("connect_error", (err) => this.onConnectError(err));
    this.socket.on(ASSIGNMENT_EVENT, (...args: unknown[]) => this.onAssignmentMessage(args));
  }

  /** Registers a callback for every valid assignment; returns a function that unregisters it. */
  onAssignment(cb: (a: Assignment) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Connects (and keeps reconnecting until stop()). */
  start(): void {
    this.stopped = false;
    this.socket.connect();
  }

  /** Closes the channel and stops heartbeats and reconnection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
    this.connectedGauge.set(0);
  }

  private onConnect(): void {
    this.connectedGauge.set(1);
    this.opts.logger?.info({ agent: this.opts.agent }, "control: connected");
    this.sendHeartbeat();
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), this.opts.heartbeatIntervalMs ?? 15_000);
    this.heartbeatTimer.unref();
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    this.connectedGauge.set(0);
    clearInterval(this.heartbeatTimer);
    if (this.stopped) return;
    this.opts.logger?.warn({ reason }, "control: disconnected");
    // socket.io reconnects by itself except when the server closed the socket on purpose
    // (e.g. a redeploy draining connections): come back after a delay rather than stay away.
    if (reason === "io server disconnect") this.retryLater();
  }

  private onConnectError(err: Error): void {
    this.connectErrors.inc();
    this.opts.logger?.warn({ error: err.message }, "control: cannot connect");
    // A middleware refusal (bad token, unknown agent) is not retried by socket.io; retry slowly.
    if (!this.socket.active && !this.stopped) this.retryLater();
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer);
    const max = this.opts.reconnectDelayMaxMs ?? 30_000;
    this.retryTimer = setTimeout(() => {
      if (!this.stopped && !this.socket.connected) this.socket.connect();
    }, max / 2 + Math.random() * (max / 2));
    this.retryTimer.unref();
  }

  private onAssignmentMessage(args: unknown[]): void {
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as (a: AssignmentAck) => void) : undefined;
    const parsed = assignmentSchema.safeParse(args[0]);
    if (!parsed.success) {
      this.assignments.inc({ result: "invalid" });
      // Paths and messages only: never the received values, which may hold anything.
      const issues = parsed.error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
      this.opts.logger?.warn({ issues }, "control: invalid assignment ignored");
      ack?.({ ok: false, error: `invalid assignment: ${issues.join("; ")}` });
      return;
    }
    this.assignments.inc({ result: "applied" });
    for (const cb of this.listeners) {
      try {
        cb(parsed.data);
      } catch (err) {
        this.opts.logger?.warn({ error: (err as Error).message }, "control: assignment listener failed");
      }
    }
    ack?.({ ok: true, version: parsed.data.version });
  }

  private sendHeartbeat(): void {
    if (!this.socket.connected) return;
    const hb = heartbeatSchema.safeParse({ agent: this.opts.agent, ...this.opts.status() });
    if (!hb.success) {
      this.opts.logger?.warn({ issues: hb.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, "control: heartbeat not sent (invalid status)");
      return;
    }
    this.socket.emit(HEARTBEAT_EVENT, hb.data);
    this.heartbeats.inc();
  }
}
