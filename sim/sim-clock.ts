/**
 * Simulated time. `speed` > 1 makes the city live faster (tests, demos): sim time runs `speed`
 * times faster than the wall clock from the moment the clock was made. Everything in the city
 * reads time through this interface so a test can also drive it by hand.
 */
export interface SimClock {
  /** Simulated now, epoch milliseconds. */
  nowMs(): number;
  /** Real milliseconds until `simDelayMs` of simulated time has passed. */
  realDelayMs(simDelayMs: number): number;
  readonly speed: number;
}

/** A clock following the wall clock, `speed` times faster. */
export function wallSimClock(speed = 1, now: () => number = Date.now): SimClock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, not ${speed}`);
  const realStart = now();
  return {
    speed,
    nowMs: () => realStart + (now() - realStart) * speed,
    realDelayMs: (d) => Math.max(0, d / speed),
  };
}

/** A clock that only moves when told: for tests of what depends on time. */
export class ManualSimClock implements SimClock {
  readonly speed = 1;
  constructor(private ms: number) {}
  nowMs(): number {
    return this.ms;
  }
  realDelayMs(d: number): number {
    return d;
  }
  /** Moves simulated time forward. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
