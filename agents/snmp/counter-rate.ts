/**
 * Counter → per-second rate, per device. Logic only. Handles the three ways a counter goes
 * backwards (RFC 2578 §7.1.6, RFC 2863 §3.1.6):
 * - a 32-bit Counter wrapped past 2^32: the delta is taken modulo 2^32;
 * - a 64-bit Counter64 going back: treated as a discontinuity (a wrap takes years), no rate;
 * - the agent restarted (sysUpTime went back): every counter restarted, no rate this pass.
 */
const TWO_32 = 2 ** 32;

/** A row index as a map key: a number for a plain integer index (ifIndex), else the text. */
function rowKey(index: string): number | string {
  if (index.length === 0 || index.length > 9 || (index.length > 1 && index.charCodeAt(0) === 48)) return index;
  let n = 0;
  for (let i = 0; i < index.length; i++) {
    const d = index.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return index;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Previous counter readings of one device, kept compactly: one slot per table row (keyed by the
 * row's numeric index), and per counter metric a Float64Array of readings by slot with the pass
 * each was taken in — no string per (metric, row), and nothing allocated per reading.
 */
export class CounterRates {
  private readonly metricSlots = new Map<string, number>();
  private readonly values: Float64Array[] = [];
  private readonly stamps: Uint32Array[] = [];
  private readonly rowSlots = new Map<number | string, number>();
  private rowSeen = new Uint32Array(16);
  private readonly free: number[] = [];
  private capacity = 16;
  private used = 0;
  /** Passes are numbered from 2: a stamp of 0 (no reading) never equals `pass - 1`. */
  private pass = 1;
  private prevTsMs = 0;
  private prevUptime: number | undefined;
  private elapsed = 0;

  /**
   * Starts a pass at `tsMs` with the device's sysUpTime (centiseconds) if known. Returns false
   * when the device restarted or this is the first pass (no rates are possible).
   */
  begin(tsMs: number, uptime: number | undefined): boolean {
    const restarted = uptime !== undefined && this.prevUptime !== undefined && uptime < this.prevUptime;
    const usable = this.prevTsMs > 0 && !restarted && tsMs > this.prevTsMs;
    this.elapsed = usable ? (tsMs - this.prevTsMs) / 1000 : 0;
    this.prevTsMs = tsMs;
    if (uptime !== undefined) this.prevUptime = uptime;
    // After a restart no earlier reading is a valid base: skipping a pass number voids them all.
    this.pass += restarted ? 2 : 1;
    return usable;
  }

  /** Records a reading of `metric` for the row `index`; returns the rate since the previous pass, or undefined. */
  rate(metric: string, index: string, value: number, bits: 32 | 64): number | undefined {
    const m = this.metricSlot(metric);
    const r = this.rowSlot(index);
    const values = this.values[m] as Float64Array;
    const stamps = this.stamps[m] as Uint32Array;
    const had = stamps[r] === this.pass - 1;
    const before = values[r] as number;
    values[r] = value;
    stamps[r] = this.pass;
    if (!had || this.elapsed <= 0) return undefined;
    let delta = value - before;
    if (delta < 0) {
      if (bits === 64) return undefined;
      delta += TWO_32;
    }
    return delta / this.elapsed;
  }

  /** Ends a pass: rows not read in it are forgotten (removed interfaces). */
  end(): void {
    for (const [key, r] of this.rowSlots) {
      if (this.rowSeen[r] === this.pass) continue;
      this.rowSlots.delete(key);
      for (const s of this.stamps) s[r] = 0;
      this.free.push(r);
    }
  }

  /** Rows currently remembered. */
  get rows(): number {
    return this.rowSlots.size;
  }

  private metricSlot(metric: string): number {
    let m = this.metricSlots.get(metric);
    if (m === undefined) {
      this.metricSlots.set(metric, (m = this.values.length));
      this.values.push(new Float64Array(this.capacity));
      this.stamps.push(new Uint32Array(this.capacity));
    }
    return m;
  }

  private rowSlot(index: string): number {
    const key = rowKey(index);
    let r = this.rowSlots.get(key);
    if (r === undefined) {
      r = this.free.pop() ?? this.used++;
      if (r >= this.capacity) this.grow();
      this.rowSlots.set(key, r);
    }
    this.rowSeen[r] = this.pass;
    return r;
  }

  private grow(): void {
    this.capacity *= 2;
    const widen = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.capacity);
      b.set(a);
      return b;
    };
    for (let i = 0; i < this.values.length; i++) {
      this.values[i] = widen(this.values[i] as Float64Array, (n) => new Float64Array(n));
      this.stamps[i] = widen(this.stamps[i] as Uint32Array, (n) => new Uint32Array(n));
    }
    this.rowSeen = widen(this.rowSeen, (n) => new Uint32Array(n));
  }
}
