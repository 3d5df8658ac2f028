/**
 * Runs the state tracker against the store and the live bus: continues the open intervals at
 * start (a restart does not open new ones), feeds it each ingest batch, sweeps for silence,
 * and records every transition (`store.recordState`, in order) and pushes it on the `states` topic.
 *
 * Transitions are pushed live at once and written one after another from a bounded queue. A
 * write refused because the store is unavailable (StoreUnavailableError: PostgreSQL down, SQLite
 * busy) is retried with back-off, and nothing behind it is written before it, so the intervals
 * of an entity always reach the store in their order and once; any other failure is reported
 * and that transition skipped, as retrying it would not help. When the queue is full the oldest
 * waiting transitions are given up (reported): memory holds the newest state regardless.
 */
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { ObservedBatch } from "./observed-batch.ts";
import type { LiveBus } from "../live/live-bus.ts";
import { StoreUnavailableError, type Store } from "../store/store.ts";
import type { StateChange, StateTracker } from "./state-tracker.ts";

export interface StateRecorderDeps {
  store: Store;
  bus: LiveBus;
  tracker: StateTracker;
  now(): number;
  /** How often silence is checked (default 30 s). */
  sweepEveryMs?: number;
  /** A transition that could not be written, or the open intervals that could not be read. */
  onError?: (err: Error, what: string) => void;
  /** Transitions waiting to be written, at most (default 10 000). */
  maxPending?: number;
  /** Back-off between retries of a write the store refused: from the first, doubling up to the second (default 200 ms, 30 s). */
  retryMs?: readonly [first: number, max: number];
}

/** The running recorder; `close()` stops the sweep and waits for pending writes. */
export class StateRecorder {
  private readonly pending: StateChange[] = [];
  private draining: Promise<void> | undefined;
  private readonly timer: ReturnType<typeof setInterval>;
  private closing = false;
  /** The transition being written (or retried), no longer in `pending`. */
  private writing: StateChange | undefined;
  /** Wakes a back-off wait early (on close). */
  private wake: (() => void) | undefined;

  private constructor(private readonly deps: StateRecorderDeps) {
    this.timer = setInterval(() => this.sweep(), deps.sweepEveryMs ?? 30_000);
    this.timer.unref();
  }

  /** Reads the open intervals from the store into the tracker, then starts sweeping. */
  static async start(deps: StateRecorderDeps): Promise<StateRecorder> {
    try {
      deps.tracker.restore(await deps.store.currentStates(), deps.now());
    } catch (err) {
      // Starting empty is safe: the store keeps an open interval when told its state again.
      deps.onError?.(err as Error, "reading the open state intervals");
    }
    return new StateRecorder(deps);
  }

  observe(series: readonly TimeSeries[]): void {
    this.emit(this.deps.tracker.observe(series, this.deps.now()));
  }

  /** The same for a batch the caller has already read (`tracker.read`) for its own use. */
  apply(batch: ObservedBatch): void {
    this.emit(this.deps.tracker.apply(batch, this.deps.now()));
  }

  sweep(): void {
    this.emit(this.deps.tracker.sweep(this.deps.now()));
  }

  /** Transitions not yet written (waiting, or being retried). */
  get backlog(): number {
    return this.pending.length + (this.writing !== undefined ? 1 : 0);
  }

  /** Resolves once every transition so far is written (or its failure reported). */
  async flushed(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /** Stops the sweep and writes what is pending, with one last try at a write the store keeps refusing. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closing = true;
    this.wake?.();
    await this.flushed();
  }

  private emit(changes: StateChange[]): void {
    if (changes.length === 0) return;
    // `change` tells these apart from the reporting changes on the same topic (docs/architecture.md).
    this.deps.bus.publish("states", changes.map((c) => ({ change: "state" as const, ...c })));
    this.pending.push(...changes);
    const over = this.pending.length - (this.deps.maxPending ?? 10_000);
    if (over > 0) {
      const lost = this.pending.splice(0, over);
      this.deps.onError?.(new Error(`${over} transitions waiting for the store were given up (queue full)`), `recording ${what(lost[0] as StateChange)} and ${over - 1} later`);
    }
    this.kick();
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // Queued between the last write and here.
      if (this.pending.length > 0) this.kick();
    });
  }

  /** Writes the queue in order; a write the store refused as unavailable is retried before anything behind it. */
  private async drain(): Promise<void> {
    const [firstMs, maxMs] = this.deps.retryMs ?? [200, 30_000];
    for (let c = this.pending.shift(); c !== undefined; c = this.pending.shift()) {
      this.writing = c;
      for (let delayMs = firstMs; ; delayMs = Math.min(delayMs * 2, maxMs)) {
        try {
          await this.deps.store.recordState(c.entity, c.state, c.atMs, c.reason);
          break;
        } catch (err) {
          const retry = err instanceof StoreUnavailableError && !this.closing;
          this.deps.onError?.(err as Error, `recording ${what(c)}${retry ? ` (retrying in ${delayMs} ms)` : ""}`);
          if (!retry) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, delayMs);
            this.wake = () => (clearTimeout(t), resolve());
          });
          this.wake = undefined;
        }
      }
      this.writing = undefined;
    }
  }
}

function what(c: StateChange): string {
  return `${c.entity.kind} ${c.entity.name} ${c.state}`;
}
