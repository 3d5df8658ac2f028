/**
 * Counter → per-second rate, per device. Logic only. Handles the three ways a counter goes
 * backwards (RFC 2578 §7.1.6, RFC 2863 §3.1.6):
 * - a 32-bit Counter wrapped past 2^32: the delta is taken modulo 2^32;
 * - a 64-bit Counter64 going back: treated as a discontinuity (a wrap takes years), no rate;
 * - the agent restarted (sysUpTime went back): every counter restarted, no rate this pass.
 */
const TWO_32 = 2 ** 32;

/** Previous counter readings of one device. */
export class CounterRates {
  private prev = new Map<string, number>();
  private prevTsMs = 0;
  private prevUptime: number | undefined;

  /**
   * Starts a pass at `tsMs` with the device's sysUpTime (centiseconds) if known. Returns false
   * when the device restarted or this is the first pass (no rates are possible).
   */
  begin(tsMs: number, uptime: number | undefined): boolean {
    const restarted = uptime !== undefined && this.prevUptime !== undefined && uptime < this.prevUptime;
    const usable = this.prevTsMs > 0 && !restarted && tsMs > this.prevTsMs;
    if (restarted) this.prev = new Map();
    this.elapsed = usable ? (tsMs - this.prevTsMs) / 1000 : 0;
    this.prevTsMs = tsMs;
    if (uptime !== undefined) this.prevUptime = uptime;
    return usable;
  }

  private elapsed = 0;

  /** Records a reading; returns the rate since the previous pass, or undefined. */
  rate(key: string, value: number, bits: 32 | 64): number | undefined {
    const before = this.prev.get(key);
    this.prev.set(key, value);
    if (before === undefined || this.elapsed <= 0) return undefined;
    let delta = value - before;
    if (delta < 0) {
      if (bits === 64) return undefined;
      delta += TWO_32;
    }
    return delta / this.elapsed;
  }

  /** Series seen this pass: forget the others (removed interfaces). */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.prev.keys()) if (!keys.has(k)) this.prev.delete(k);
  }
}
