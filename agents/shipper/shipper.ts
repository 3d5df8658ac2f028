/**
 * The agent's production sink: batches samples into remote-write 1.0 bodies and events into
 * JSON bodies, keeps them in a record queue until the control plane acknowledges them, and
 * retries with back-off (RELIABILITY.md promises 1 and 3). A refused token (401/403) pauses
 * delivery and keeps the data until a token works again (ADR 0008).
 */
import { Registry } from "prom-client";
import type { CityEvent } from "../../protocol/event.schema.ts";
import { REMOTE_WRITE_HEADERS, type Sample } from "../../protocol/remote-write.codec.ts";
import { usableToken } from "../agent-token.ts";
import type { Sink } from "../sink.ts";
import { eventsBody, isPriority, samplesBody } from "./batch-body.ts";
import { systemClock, type Clock } from "./clock.ts";
import { Spool } from "./spool.ts";
import { QueueRefusedError, type Lane, type QueuedRecord, type RecordQueue } from "./record-queue.ts";
import { backoffDelayMs, classifyStatus, DEFAULT_AUTH_BACKOFF, DEFAULT_BACKOFF, parseRetryAfter, refusalReason, type BackoffOptions, type Verdict } from "./retry-policy.ts";
import { ShipperMetrics } from "./shipper-metrics.ts";

/** The subset of a pino logger the shipper uses. */
export interface ShipperLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
  info?(fields: Record<string, unknown>, msg: string): void;
}

/** Shipper configuration; see the agent config for where each value comes from. */
export interface ShipperOptions {
  /** Control plane base URL; posts to `${url}/api/v1/ingest/remote-write` and `${url}/api/v1/ingest/events`. */
  url: string;
  /** Sent as "Authorization: Bearer <token>"; never logged. */
  token: string;
  /**
   * Where the token can be read again (the agent's token file). While the control plane
   * refuses the token, it is re-read every `authRecheckMs` and a different one is tried at
   * once; `from` names the place in the log line. Without it the token is fixed for the run.
   */
  reloadToken?: { from: string; read: () => Promise<string> };
  /** Pause after a refused token (default 5–10 s doubling, at most 60 s). */
  authBackoff?: BackoffOptions;
  /** How often the token is re-read while refused (default 5 s). */
  authRecheckMs?: number;
  spoolDir: string;
  maxSpoolBytes: number;
  /** Samples per remote-write request (default 2,000). */
  batchMaxSamples?: number;
  /**
   * Samples held in memory before they reach the spool (default 50 batches); beyond it the
   * oldest are dropped and counted (`reason="buffer_full"`). It bounds memory when a collector
   * bursts faster than the spool writes, or while the spool refuses writes.
   */
  maxBufferedSamples?: number;
  /** How often buffered data is written to the spool and delivery is woken (default 1 s). */
  flushIntervalMs?: number;
  registry?: Registry;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
  backoff?: BackoffOptions;
  /** Per-request deadline (default 30 s). */
  requestTimeoutMs?: number;
  /** How long `stop()` keeps trying to deliver before persisting the rest (default 5 s). */
  stopTimeoutMs?: number;
  /** Queue factory (default: the disk spool in `spoolDir`); tests pass a MemoryQueue or a spool on a faulty file system. */
  openQueue?: (onDrop: (lane: Lane, items: number, reason: string) => void) => Promise<RecordQueue>;
  logger?: ShipperLogger;
}

const REMOTE_WRITE_PATH = "/api/v1/ingest/remote-write";
const EVENTS_PATH = "/api/v1/ingest/events";
/** Events held in memory while the spool refuses writes; beyond it the oldest ordinary ones go. */
const MAX_PENDING_EVENTS = 50_000;

interface Attempt {
  verdict: Verdict;
  status: string;
  /** Where the request went (for log lines). */
  endpoint: string;
  retryAfterMs?: number;
  /** The server's reason for a refused batch (its error code and message), made safe to log. */
  reason?: string;
}

/** Ships samples and events to the control plane; see the module comment. */
export class Shipper implements Sink {
  readonly metrics: ShipperMetrics;
  readonly registry: Registry;
  private readonly base: string;
  private readonly batchMax: number;
  private readonly maxPendingSamples: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly doFetch: typeof fetch;
  private queue: RecordQueue | undefined;
  private pendingSamples: Sample[] = [];
  private pendingEvents: CityEvent[] = [];
  private pendingPriority: CityEvent[] = [];
  private flushChain: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private loop: Promise<void> | undefined;
  private wake: () => void = () => {};
  private state: "idle" | "running" | "draining" | "stopped" = "idle";
  private readonly sleepAbort = new AbortController();
  private readonly hardAbort = new AbortController();
  private appendFailing = false;
  private token: string;
  /** Set while the control plane refuses the token: since when (clock ms). */
  private authBlockedSinceMs: number | undefined;
  private unreadableToken = false;

  constructor(private readonly opts: ShipperOptions) {
    const url = new URL(opts.url); // throws a clear "Invalid URL" on a bad value
    this.base = url.toString().replace(/\/+$/, "");
    // Checked here: a token fetch() cannot put in a header would fail every request as a "network" error.
    try {
      this.token = usableToken(opts.token);
    } catch (err) {
      throw new Error(`shipper: ${(err as Error).message}`);
    }
    if (!(opts.maxSpoolBytes > 0)) throw new Error("shipper: maxSpoolBytes must be positive");
    this.batchMax = opts.batchMaxSamples ?? 2000;
    this.maxPendingSamples = opts.maxBufferedSamples ?? this.batchMax * 50;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.doFetch = opts.fetch ?? fetch;
    this.registry = opts.registry ?? new Registry();
    this.metrics = new ShipperMetrics(this.registry, () => this.queue?.bytes ?? 0);
  }

  /** Bytes of undelivered data held in the spool (for the heartbeat). */
  get spoolBytes(): number {
    return this.queue?.bytes ?? 0;
  }

  /** Opens the queue (recovering what a previous run left) and starts flushing and delivering. */
  async start(): Promise<void> {
    if (this.state !== "idle") throw new Error(`shipper: start() called while ${this.state}`);
    const onDrop = (lane: Lane, items: number, reason: string): void => this.metrics.dropped(lane === "samples" ? "samples" : "events", items, reason);
    this.queue = this.opts.openQueue
      ? await this.opts.openQueue(onDrop)
      : await Spool.open({
          dir: this.opts.spoolDir,
          maxBytes: this.opts.maxSpoolBytes,
          onDrop,
          onDamage: (lane, kind, bytes) => {
            this.metrics.spoolDamage.inc({ kind });
            this.metrics.spoolDiscardedBytes.inc(bytes);
            this.opts.logger?.warn({ lane, kind, discardedBytes: bytes }, "shipper: damaged spool segment truncated at start-up");
          },
        });
    this.state = "running";
    this.timer = setInterval(() => this.scheduleFlush(), this.opts.flushIntervalMs ?? 1000);
    this.timer.unref();
    this.loop = this.deliver();
  }

  samples(batch: readonly Sample[]): void {
    if (this.state === "stopped" || this.state === "draining") return this.metrics.dropped("samples", batch.length, "stopped");
    for (const s of batch) this.pendingSamples.push(s);
    const over = this.pendingSamples.length - this.maxPendingSamples;
    if (over > 0) {
      // The spool is refusing writes and memory is the last buffer: oldest samples go first.
      this.pendingSamples.splice(0, over);
      this.metrics.dropped("samples", over, "buffer_full");
    }
    if (this.pendingSamples.length >= this.batchMax) this.scheduleFlush();
  }

  events(batch: readonly CityEvent[]): void {
    if (this.state === "stopped" || this.state === "draining") return this.metrics.dropped("events", batch.length, "stopped");
    for (const e of batch) (isPriority(e) ? this.pendingPriority : this.pendingEvents).push(e);
    const over = this.pendingEvents.length + this.pendingPriority.length - MAX_PENDING_EVENTS;
    if (over > 0) {
      // Ordinary events go before traps and security events; those only when nothing else is left.
      const fromEvents = Math.min(over, this.pendingEvents.length);
      this.pendingEvents.splice(0, fromEvents);
      this.pendingPriority.splice(0, over - fromEvents);
      this.metrics.dropped("events", over, "buffer_full");
    }
    this.scheduleFlush();
  }

  /** Persists what is buffered, delivers for up to `stopTimeoutMs`, then closes the queue. */
  async stop(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "draining";
    clearInterval(this.timer);
    await this.flush();
    this.sleepAbort.abort();
    this.wake();
    const deadline = setTimeout(() => this.hardAbort.abort(), this.opts.stopTimeoutMs ?? 5000);
    deadline.unref();
    await this.loop;
    clearTimeout(deadline);
    this.state = "stopped";
    await this.queue?.close();
  }

  /** Writes buffered data to the queue now and wakes delivery. */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.flushOnce());
    return this.flushChain;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.state !== "running") return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flushOnce(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    try {
      while (this.pendingPriority.length > 0) await this.appendChunk(queue, "priority", this.pendingPriority, eventsBody);
      while (this.pendingEvents.length > 0) await this.appendChunk(queue, "events", this.pendingEvents, eventsBody);
      while (this.pendingSamples.length > 0) await this.appendChunk(queue, "samples", this.pendingSamples, (p) => samplesBody(p, this.batchMax));
      this.appendFailing = false;
    } catch (err) {
      // Kept in memory and tried again at the next flush; logged once per failing streak.
      if (!this.appendFailing) this.opts.logger?.warn({ err: (err as Error).message }, "shipper: spool write failed; buffering in memory");
      this.appendFailing = true;
    }
    this.wake();
  }

  /**
   * Appends the oldest chunk of `pending` and removes it once it is durable. A chunk the queue
   * refuses for good (too large, or no room without dropping more important data) was counted
   * by the queue and is let go; any other failure leaves it pending and rethrows.
   */
  private async appendChunk<T>(queue: RecordQueue, lane: Lane, pending: T[], encode: (p: readonly T[]) => { count: number; body: Uint8Array }): Promise<void> {
    const { count, body } = encode(pending);
    try {
      await queue.append(lane, count, body);
    } catch (err) {
      if (!(err instanceof QueueRefusedError)) throw err;
      this.opts.logger?.warn({ lane, items: count, err: err.message }, "shipper: spool refused a batch; dropped");
    }
    pending.splice(0, count);
  }

  private async deliver(): Promise<void> {
    const queue = this.queue as RecordQueue;
    let attempt = 0;
    let authAttempt = 0;
    for (;;) {
      if (this.hardAbort.signal.aborted) return;
      let record: QueuedRecord | undefined;
      try {
        record = await queue.next();
      } catch (err) {
        this.opts.logger?.warn({ err: (err as Error).message }, "shipper: spool read failed");
        record = undefined;
      }
      if (!record) {
        if (this.state !== "running") return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const result = await this.send(record);
      const kind = record.lane === "samples" ? "samples" : "events";
      if (result.verdict === "delivered") {
        attempt = 0;
        authAttempt = 0;
        if (this.authBlockedSinceMs !== undefined) this.authAccepted(result.endpoint, this.authBlockedSinceMs);
        (kind === "samples" ? this.metrics.shippedSamples : this.metrics.shippedEvents).inc(record.count);
        await queue.ack(record);
        continue;
      }
      this.metrics.shipErrors.inc({ status: result.status });
      if (result.verdict === "drop") {
        // A 4xx other than 429: the batch itself is refused and would be refused forever.
        this.metrics.dropped(kind, record.count, "rejected");
        this.opts.logger?.warn(
          { status: result.status, lane: record.lane, items: record.count, endpoint: result.endpoint, reason: result.reason },
          `shipper: ${result.endpoint} refused a batch of ${record.count} ${kind} (HTTP ${result.status}${result.reason ? `: ${result.reason}` : ""}); dropped`,
        );
        await queue.ack(record);
        continue;
      }
      if (this.state !== "running") return;
      if (result.verdict === "auth") {
        // Nothing is wrong with the data: keep it (the spool's cap still applies) and wait for a token that works.
        this.authRefused(result);
        await this.pauseForAuth(backoffDelayMs(authAttempt++, this.random(), this.opts.authBackoff ?? DEFAULT_AUTH_BACKOFF));
        continue;
      }
      // Retry-After wins over our own back-off (floored so "Retry-After: 0" cannot spin the loop).
      const delay = result.retryAfterMs !== undefined ? Math.max(result.retryAfterMs, 50) : backoffDelayMs(attempt, this.random(), this.opts.backoff ?? DEFAULT_BACKOFF);
      attempt++;
      await this.clock.sleep(delay, this.sleepAbort.signal);
    }
  }

  /** Counts a refused token; the first refusal of a streak is logged, loudly, once. */
  private authRefused(result: Attempt): void {
    this.metrics.authFailures.inc({ status: result.status });
    if (this.authBlockedSinceMs !== undefined) return;
    this.authBlockedSinceMs = this.clock.now();
    this.metrics.blockedOnAuth.set(1);
    const source = this.opts.reloadToken;
    const how = source
      ? `write the new token to ${source.from}: it is re-read every ${Math.round((this.opts.authRecheckMs ?? 5000) / 1000)} s`
      : "the token is fixed for this run: restart the agent with the new one";
    this.opts.logger?.warn(
      { endpoint: result.endpoint, status: result.status },
      `shipper: ${result.endpoint} refused the agent's token (HTTP ${result.status}); delivery paused, collected data kept in the spool until a token is accepted (${how})`,
    );
  }

  private authAccepted(endpoint: string, sinceMs: number): void {
    const seconds = Math.round((this.clock.now() - sinceMs) / 1000);
    this.authBlockedSinceMs = undefined;
    this.metrics.blockedOnAuth.set(0);
    this.info({ endpoint, blockedSeconds: seconds }, `shipper: ${endpoint} accepts the agent's token; delivery resumed after ${seconds} s`);
  }

  /** Waits `delayMs`, re-reading the token meanwhile; returns early when a different one turns up. */
  private async pauseForAuth(delayMs: number): Promise<void> {
    const step = this.opts.reloadToken ? Math.max(1, this.opts.authRecheckMs ?? 5000) : delayMs;
    for (let left = delayMs; left > 0 && this.state === "running"; left -= step) {
      await this.clock.sleep(Math.min(left, step), this.sleepAbort.signal);
      if (await this.reloadToken()) return;
    }
  }

  /** True when the token source now holds a different, usable token (which replaces the current one). */
  private async reloadToken(): Promise<boolean> {
    const source = this.opts.reloadToken;
    if (!source || this.state !== "running") return false;
    let next: string;
    try {
      next = usableToken(await source.read());
    } catch (err) {
      // A half-written or missing file during a rotation: keep the current token and say so once.
      if (!this.unreadableToken) this.opts.logger?.warn({ from: source.from, err: (err as Error).message }, `shipper: cannot use the token in ${source.from} (${(err as Error).message}); keeping the current one`);
      this.unreadableToken = true;
      return false;
    }
    this.unreadableToken = false;
    if (next === this.token) return false;
    this.token = next;
    this.info({ from: source.from }, `shipper: read a new token from ${source.from}; trying it`);
    return true;
  }

  /** Logs at info when the logger has it (news worth a line, not a warning). */
  private info(fields: Record<string, unknown>, msg: string): void {
    const log = this.opts.logger;
    if (log?.info) log.info(fields, msg);
    else log?.warn(fields, msg);
  }

  private async send(record: QueuedRecord): Promise<Attempt> {
    const samples = record.lane === "samples";
    const headers: Record<string, string> = samples ? { ...REMOTE_WRITE_HEADERS } : { "content-type": "application/json" };
    headers.authorization = `Bearer ${this.token}`;
    const signal = AbortSignal.any([this.hardAbort.signal, AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000)]);
    const endpoint = this.base + (samples ? REMOTE_WRITE_PATH : EVENTS_PATH);
    try {
      const res = await this.doFetch(endpoint, { method: "POST", headers, body: record.payload, signal });
      const text = await res.text().catch(() => ""); // drained either way, so the connection is reused
      const verdict = classifyStatus(res.status);
      const retryAfterMs = verdict === "retry" ? parseRetryAfter(res.headers.get("retry-after"), this.clock.now()) : undefined;
      return { verdict, status: String(res.status), endpoint, retryAfterMs, reason: verdict === "drop" ? refusalReason(text) : undefined };
    } catch (err) {
      // Network failure or timeout: the control plane may be down; keep the record and retry.
      return { verdict: "retry", status: (err as Error).name === "TimeoutError" ? "timeout" : "network", endpoint };
    }
  }
}
