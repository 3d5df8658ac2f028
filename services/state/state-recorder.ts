/**
 * Runs the state tracker against the store and the live bus: continues the open intervals at
 * start (a restart does not open new ones), feeds it each ingest batch, sweeps for silence,
 * and records every transition (`store.recordState`, in order) and pushes it on the `states` topic.
 */
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { LiveBus } from "../live/live-bus.ts";
import type { Store } from "../store/store.ts";
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
}

/** The running recorder; `close()` stops the sweep and waits for pending writes. */
export class StateRecorder {
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setInterval>;

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

  sweep(): void {
    this.emit(this.deps.tracker.sweep(this.deps.now()));
  }

  /** Resolves once every transition so far is written (or its failure reported). */
  flushed(): Promise<void> {
    return this.chain;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.chain;
  }

  private emit(changes: StateChange[]): void {
    if (changes.length === 0) return;
    this.deps.bus.publish("states", changes);
    // One after another: two transitions of one entity must reach the store in their order.
    this.chain = this.chain.then(async () => {
      for (const c of changes) {
        await this.deps.store.recordState(c.entity, c.state, c.atMs, c.reason).catch((err: Error) => this.deps.onError?.(err, `recording ${c.entity.kind} ${c.entity.name} ${c.state}`));
      }
    });
  }
}
