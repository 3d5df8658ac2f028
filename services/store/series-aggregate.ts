import type { Aggregation, SeriesQuery } from "./store.ts";
import { FIVE_MINUTES_MS, ONE_HOUR_MS } from "./store.schema.ts";

/**
 * Query planning and per-step aggregation, without I/O: the repository fetches rows from the
 * table this file chooses and hands them back here.
 */

export const AGGREGATIONS: readonly Aggregation[] = ["avg", "min", "max", "rate", "p95", "last"];
/** Like Prometheus's limit of 11,000 points per series: enough for a month at 5-minute steps. */
export const MAX_POINTS = 11_000;
const TWO_DAYS_MS = 2 * 86_400_000;
const NINETY_DAYS_MS = 90 * 86_400_000;

/** A query parameter is missing or out of range; the message names it. Nothing was read. */
export class InvalidQueryError extends Error {
  override name = "InvalidQueryError";
}

/** Counters by naming convention: Prometheus `_total`, and IF-MIB's octet/packet counters. */
export function isCounter(metric: string): boolean {
  return metric.endsWith("_total") || /^ifHC\w*Octets$/.test(metric) || /^if(In|Out)[A-Z]/.test(metric);
}

/** Throws InvalidQueryError naming the first bad parameter. */
export function validateQuery(q: SeriesQuery): void {
  if (typeof q.metric !== "string" || q.metric.length === 0) throw new InvalidQueryError("metric: required");
  for (const [name, v] of [["fromMs", q.fromMs], ["toMs", q.toMs], ["stepMs", q.stepMs]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidQueryError(`${name}: must be a non-negative integer of milliseconds, got ${String(v)}`);
  }
  if (q.toMs <= q.fromMs) throw new InvalidQueryError(`toMs (${q.toMs}) must be after fromMs (${q.fromMs})`);
  if (q.stepMs < 1000) throw new InvalidQueryError(`stepMs: must be at least 1000 ms, got ${q.stepMs}`);
  const points = Math.ceil((q.toMs - q.fromMs) / q.stepMs);
  if (points > MAX_POINTS) throw new InvalidQueryError(`range/step gives ${points} points; at most ${MAX_POINTS} (raise stepMs)`);
  if (!AGGREGATIONS.includes(q.aggregation)) throw new InvalidQueryError(`aggregation: must be one of ${AGGREGATIONS.join(", ")}, got "${String(q.aggregation)}"`);
  if (q.aggregation === "rate" && !isCounter(q.metric)) throw new InvalidQueryError(`aggregation rate: "${q.metric}" is not a counter (counters end in _total or are IF-MIB ifHC*Octets/ifIn*/ifOut*)`);
}

/**
 * Raw samples for short ranges at fine steps, 5-minute rollups up to 90 days, hourly beyond or
 * when the step is an hour or more. A step finer than the table's bucket still gets one point
 * per bucket.
 */
export function chooseResolution(q: Pick<SeriesQuery, "fromMs" | "toMs" | "stepMs">): "raw" | "5m" | "1h" {
  const range = q.toMs - q.fromMs;
  if (q.stepMs < FIVE_MINUTES_MS && range <= TWO_DAYS_MS) return "raw";
  if (q.stepMs >= ONE_HOUR_MS || range > NINETY_DAYS_MS) return "1h";
  return "5m";
}

export interface Point {
  ts: number;
  value: number;
}

export interface RollupRow {
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  last_ts: number;
}

/** Start of the step holding `ts`, steps aligned on multiples of stepMs since the epoch. */
function stepStart(ts: number, stepMs: number): number {
  return ts - (((ts % stepMs) + stepMs) % stepMs);
}

/** Aggregates raw samples (sorted by ts, may start one step before fromMs for `rate`). */
export function aggregateRaw(points: readonly Point[], q: SeriesQuery): Point[] {
  if (q.aggregation === "rate") return counterRate(points, q);
  const groups = groupBySteps(points, q, (p) => p.ts);
  return groups.map(([ts, ps]) => ({ ts, value: reduce(ps.map((p) => p.value), q.aggregation, ps) }));
}

/** Aggregates rollup rows (sorted by bucket). p95 is taken over the buckets' averages. */
export function aggregateRollup(rows: readonly RollupRow[], q: SeriesQuery): Point[] {
  if (q.aggregation === "rate") return counterRate(rows.map((r) => ({ ts: r.last_ts, value: r.last })), q);
  // One row per step (step = bucket width, the common case): no grouping needed.
  if (rows.length > 0 && rows.every((r, i) => i === 0 || stepStart(r.bucket, q.stepMs) !== stepStart((rows[i - 1] as RollupRow).bucket, q.stepMs))) {
    const out: Point[] = [];
    for (const r of rows) {
      if (r.bucket < q.fromMs || r.bucket >= q.toMs) continue;
      const value = q.aggregation === "avg" || q.aggregation === "p95" ? r.sum / r.count : q.aggregation === "min" ? r.min : q.aggregation === "max" ? r.max : r.last;
      out.push({ ts: stepStart(r.bucket, q.stepMs), value });
    }
    return out;
  }
  const groups = groupBySteps(rows, q, (r) => r.bucket);
  return groups.map(([ts, rs]) => {
    let value: number;
    switch (q.aggregation) {
      case "avg":
        value = rs.reduce((a, r) => a + r.sum, 0) / rs.reduce((a, r) => a + r.count, 0);
        break;
      case "min":
        value = Math.min(...rs.map((r) => r.min));
        break;
      case "max":
        value = Math.max(...rs.map((r) => r.max));
        break;
      case "last":
        value = rs.reduce((a, r) => (r.last_ts >= a.last_ts ? r : a)).last;
        break;
      default:
        value = percentile95(rs.map((r) => r.sum / r.count));
    }
    return { ts, value };
  });
}

function groupBySteps<T>(items: readonly T[], q: SeriesQuery, tsOf: (t: T) => number): [number, T[]][] {
  const out: [number, T[]][] = [];
  for (const item of items) {
    const ts = tsOf(item);
    if (ts < q.fromMs || ts >= q.toMs) continue;
    const start = stepStart(ts, q.stepMs);
    const last = out[out.length - 1];
    if (last && last[0] === start) last[1].push(item);
    else out.push([start, [item]]);
  }
  return out;
}

function reduce(values: number[], agg: Aggregation, points: readonly Point[]): number {
  switch (agg) {
    case "avg":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "min":
      return Math.min(...values);
    case "max":
      return Math.max(...values);
    case "last":
      return (points[points.length - 1] as Point).value;
    default:
      return percentile95(values);
  }
}

/** Nearest-rank 95th percentile. */
export function percentile95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] as number;
}

/**
 * Per-second rate of a counter per step. Each increase between consecutive points belongs to
 * the step of the later point; a decrease is a counter reset (device reboot, 32-bit wrap seen
 * as a reset), after which the counter counted up from zero, so the increase is the new value
 * (Prometheus `rate()` does the same). Dividing by the time the pairs cover rather than the
 * step keeps gaps from diluting the rate.
 */
export function counterRate(points: readonly Point[], q: SeriesQuery): Point[] {
  const out: Point[] = [];
  let increase = 0;
  let elapsed = 0;
  let current = -1;
  const flush = (): void => {
    if (current >= 0 && elapsed > 0) out.push({ ts: current, value: increase / (elapsed / 1000) });
  };
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1] as Point;
    const p = points[i] as Point;
    if (p.ts < q.fromMs || p.ts >= q.toMs || p.ts <= prev.ts) continue;
    const start = stepStart(p.ts, q.stepMs);
    if (start !== current) {
      flush();
      current = start;
      increase = 0;
      elapsed = 0;
    }
    increase += p.value >= prev.value ? p.value - prev.value : p.value;
    elapsed += p.ts - prev.ts;
  }
  flush();
  return out;
}
