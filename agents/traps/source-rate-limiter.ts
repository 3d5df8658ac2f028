/**
 * A token bucket per source address (traps and syslog). A storm becomes one "storm started"
 * signal plus an exact drop count, reported once the source has calmed down: no drop for as
 * long as its whole burst takes to refill (at least 1 s). A sustained flood therefore stays one
 * storm however long it lasts, although a token comes back (and a message is let through) every
 * 1/perSecond s. Logic only: the clock is passed in.
 */
export interface RateDecision {
  accept: boolean;
  /** First drop of a storm from this source. */
  stormStarted?: boolean;
  /** The storm this source was in is over (its first message after the quiet period): how many were dropped during it. */
  stormEnded?: { dropped: number };
}

/** A storm found over by `endQuiet` (the source went silent, so no message carried the news). */
export interface EndedStorm {
  source: string;
  dropped: number;
}

interface Bucket {
  tokens: number;
  last: number;
  /** Dropped in the current storm; 0 outside a storm. */
  dropped: number;
  lastDropMs: number;
}

/** Per-source token buckets, bounded in number of sources. */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** How long a source must go without a drop for its storm to be over. */
  readonly quietMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxSources = 100_000,
  ) {
    this.quietMs = Math.max(1000, (burst / perSecond) * 1000);
  }

  /** Decides for one message from `source` at `nowMs`. */
  take(source: string, nowMs: number): RateDecision {
    let b = this.buckets.get(source);
    if (b === undefined) {
      if (this.buckets.size >= this.maxSources) this.evictIdle(nowMs);
      this.buckets.set(source, (b = { tokens: this.burst, last: nowMs, dropped: 0, lastDropMs: 0 }));
    }
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.last) / 1000) * this.perSecond);
    b.last = nowMs;
    const ended = this.endIfQuiet(b, nowMs);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return ended !== undefined ? { accept: true, stormEnded: { dropped: ended } } : { accept: true };
    }
    // Not reachable with a storm just ended: quietMs is at least the time the burst takes to refill.
    b.dropped++;
    b.lastDropMs = nowMs;
    return b.dropped === 1 ? { accept: false, stormStarted: true } : { accept: false };
  }

  /** Ends the storms of sources that have had no drop for `quietMs` (call it periodically). */
  endQuiet(nowMs: number): EndedStorm[] {
    const out: EndedStorm[] = [];
    for (const [source, b] of this.buckets) {
      const dropped = this.endIfQuiet(b, nowMs);
      if (dropped !== undefined) out.push({ source, dropped });
    }
    return out;
  }

  /**
   * Ends quiet storms every `everyMs` and hands each to `onEnded`: a source that floods and then
   * goes silent sends no message that could carry the news. The timer does not hold the process
   * open. Returns a function that stops it.
   */
  sweepEvery(everyMs: number, now: () => number, onEnded: (storm: EndedStorm) => void): () => void {
    const timer = setInterval(() => {
      for (const storm of this.endQuiet(now())) onEnded(storm);
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Sources currently in a storm and their drop counts so far. */
  storms(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [s, b] of this.buckets) if (b.dropped > 0) out.set(s, b.dropped);
    return out;
  }

  private endIfQuiet(b: Bucket, nowMs: number): number | undefined {
    if (b.dropped === 0 || nowMs - b.lastDropMs < this.quietMs) return undefined;
    const dropped = b.dropped;
    b.dropped = 0;
    return dropped;
  }

  private evictIdle(nowMs: number): void {
    for (const [s, b] of this.buckets) if (b.dropped === 0 && nowMs - b.last > 60_000) this.buckets.delete(s);
    if (this.buckets.size >= this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
