/**
 * Runs each target at its interval with jitter, never two passes of one target at once, under
 * a global concurrency limit (per-device limits live in the SNMP session), each pass bounded
 * by a deadline. A dead target never delays a live one: its pass holds one slot for at most
 * the deadline, and its collector may ask to be rechecked sooner or later than the interval.
 */
import type { Target } from "../protocol/assignment.schema.ts";
import type { CollectResult, TargetCollector } from "./collector.ts";
import type { Sink } from "./sink.ts";

/** A collector that may choose the delay before a target's next pass (e.g. 15 s rechecks while down). */
export type SchedulableCollector = TargetCollector & { nextDelayMs?(target: Target): number };

export interface SchedulerObserver {
  pass(kind: string, seconds: number, ok: boolean): void;
  skipped(kind: string): void;
}

export interface SchedulerOptions {
  collectors: ReadonlyMap<string, SchedulableCollector>;
  sink: Sink;
  globalConcurrency: number;
  /** Deadline of one pass as a fraction of the interval (capped at `maxDeadlineMs`). */
  maxDeadlineMs: number;
  observer?: SchedulerObserver;
  random?: () => number;
  /** Clock adapters (tests pass fakes): monotonic milliseconds and a signal aborting after `ms`. */
  now?: () => number;
  deadline?: (ms: number) => AbortSignal;
}

interface Entry {
  target: Target;
  timer?: NodeJS.Timeout;
  running: boolean;
  removed: boolean;
}

/** The target scheduler. */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly deadline: (ms: number) => AbortSignal;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => performance.now());
    this.deadline = opts.deadline ?? ((ms) => AbortSignal.timeout(ms));
  }

  /** Applies a full assignment idempotently: new targets start (jittered), gone ones stop, changed ones restart. */
  assign(targets: readonly Target[]): void {
    const next = new Map(targets.map((t) => [t.id, t]));
    for (const [id, e] of this.entries) {
      const t = next.get(id);
      if (t === undefined || JSON.stringify(t) !== JSON.stringify(e.target)) this.remove(id);
    }
    for (const t of targets) {
      if (this.entries.has(t.id)) continue;
      const e: Entry = { target: t, running: false, removed: false };
      this.entries.set(t.id, e);
      // Spread first passes over the interval so a thousand targets do not fire together.
      this.schedule(e, this.random() * t.intervalSeconds * 1000);
    }
  }

  /** Targets by kind, for metrics. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries.values()) out[e.target.kind] = (out[e.target.kind] ?? 0) + 1;
    return out;
  }

  targets(): Target[] {
    return [...this.entries.values()].map((e) => e.target);
  }

  private remove(id: string): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    e.removed = true;
    clearTimeout(e.timer);
    this.entries.delete(id);
    this.opts.collectors.get(e.target.kind)?.forget?.(id);
  }

  private schedule(e: Entry, delayMs: number): void {
    if (this.stopped || e.removed) return;
    e.timer = setTimeout(() => void this.run(e), delayMs);
    e.timer.unref?.();
  }

  private async run(e: Entry): Promise<void> {
    const collector = this.opts.collectors.get(e.target.kind);
    const interval = e.target.intervalSeconds * 1000;
    if (collector === undefined || e.removed || this.stopped) return;
    if (e.running) {
      this.opts.observer?.skipped(e.target.kind);
      return this.schedule(e, interval);
    }
    e.running = true;
    const started = this.now();
    // The next pass is planned from the start of this one, so passes keep their rhythm.
    let ok = false;
    try {
      await this.acquire();
      const deadline = Math.min(interval * 0.9, this.opts.maxDeadlineMs);
      const result: CollectResult = await collector.collect(e.target as never, this.deadline(deadline));
      if (!e.removed) {
        if (result.samples.length > 0) this.opts.sink.samples(result.samples);
        if (result.events.length > 0) this.opts.sink.events(result.events);
      }
      ok = true;
    } catch {
      ok = false;
    } finally {
      this.release();
      e.running = false;
      const seconds = (this.now() - started) / 1000;
      this.opts.observer?.pass(e.target.kind, seconds, ok);
      const delay = collector.nextDelayMs?.(e.target) ?? interval;
      // ±5% jitter keeps targets from drifting into lockstep.
      this.schedule(e, Math.max(0, delay * (0.95 + this.random() * 0.1) - seconds * 1000));
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.opts.globalConcurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(() => resolve()));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /** Stops scheduling; passes in flight finish on their own deadline. */
  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
  }
}
