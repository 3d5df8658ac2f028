/**
 * A token bucket per source address (traps and syslog). A storm becomes one "storm started"
 * signal plus an exact drop count, reported when the source calms down. Logic only: the clock
 * is passed in.
 */
export interface RateDecision {
  accept: boolean;
  /** First drop of a storm from this source. */
  stormStarted?: boolean;
  /** The source is accepted again after a storm: how many were dropped during it. */
  stormEnded?: { dropped: number };
}

interface Bucket {
  tokens: number;
  last: number;
  dropping: number;
}

/** Per-source token buckets, bounded in number of sources. */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxSources = 100_000,
  ) {}

  /** Decides for one message from `source` at `nowMs`. */
  take(source: string, nowMs: number): RateDecision {
    let b = this.buckets.get(source);
    if (b === undefined) {
      if (this.buckets.size >= this.maxSources) this.evictIdle(nowMs);
      this.buckets.set(source, (b = { tokens: this.burst, last: nowMs, dropping: 0 }));
    }
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.last) / 1000) * this.perSecond);
    b.last = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      if (b.dropping > 0) {
        const dropped = b.dropping;
        b.dropping = 0;
        return { accept: true, stormEnded: { dropped } };
      }
      return { accept: true };
    }
    b.dropping++;
    return b.dropping === 1 ? { accept: false, stormStarted: true } : { accept: false };
  }

  /** Sources currently in a storm and their drop counts so far. */
  storms(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [s, b] of this.buckets) if (b.dropping > 0) out.set(s, b.dropping);
    return out;
  }

  private evictIdle(nowMs: number): void {
    for (const [s, b] of this.buckets) if (b.dropping === 0 && nowMs - b.last > 60_000) this.buckets.delete(s);
    if (this.buckets.size >= this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
