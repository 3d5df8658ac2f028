import type { Generated } from "kysely";

/**
 * The tables as Kysely sees them. Times are milliseconds since the Unix epoch in int8/INTEGER
 * columns; `pg` hands int8 back as strings, so every read goes through `toNumber` in the
 * repository. Labels and attributes are JSON text in both dialects (portable, and filtered in
 * the repository after an indexed lookup by metric or entity).
 */
export interface StoreDatabase {
  series: SeriesTable;
  samples: SampleTable;
  rollup_5m: RollupTable;
  rollup_1h: RollupTable;
  state_intervals: StateIntervalTable;
  events: EventTable;
  rollup_watermarks: { resolution: "5m" | "1h"; watermark: number };
}

export interface SeriesTable {
  id: Generated<number>;
  metric: string;
  /** Canonical identity `name{a="1",…}` (protocol `seriesKey`), unique. */
  key: string;
  labels: string;
  entity_kind: string | null;
  entity_name: string | null;
}

export interface SampleTable {
  series_id: number;
  ts: number;
  value: number;
}

export interface RollupTable {
  series_id: number;
  /** Start of the bucket. */
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  /** Value of the newest sample in the bucket (counters: the basis of `rate`). */
  last: number;
  last_ts: number;
}

export interface StateIntervalTable {
  id: Generated<number>;
  entity_kind: string;
  entity_name: string;
  state: string;
  start_ms: number;
  end_ms: number | null;
  reason: string | null;
}

export interface EventTable {
  id: string;
  ts: number;
  kind: string;
  type: string;
  severity: string;
  /** 0/1 in both dialects (SQLite has no boolean). */
  security: number;
  agent: string;
  source: string | null;
  entity_kind: string | null;
  entity_name: string | null;
  message: string;
  attributes: string;
}

/** int8 columns come back from `pg` as strings and counts as bigint strings: one normaliser. */
export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" || typeof v === "bigint") return Number(v);
  throw new TypeError(`expected a number from the database, got ${typeof v}`);
}

/** Bucket widths of the rollup tables. */
export const FIVE_MINUTES_MS = 300_000;
export const ONE_HOUR_MS = 3_600_000;
