import { seriesKey, type TimeSeries } from "../../protocol/remote-write.codec.ts";
import { entityOfLabels } from "./entity-mapping.ts";
import type { Watermarks } from "./rollup-closer.ts";
import type { WriteReport } from "./store.ts";

/**
 * The ingest hot path, one implementation per dialect with its own prepared statements (Kysely
 * compiles every query on every call; at hundreds of thousands of rows per second that is the
 * bottleneck — docs/adr/0002-storage.md).
 */
export interface SampleWriter {
  /**
   * Writes in one transaction and resolves after commit. Rows for buckets already rolled up
   * are upserted into the rollups, and only rows really inserted (rollup-closer.ts).
   */
  write(series: readonly TimeSeries[]): Promise<WriteReport & { newestTs: number }>;
  /**
   * Whether closing steps may run while batches are written (PostgreSQL: per-bucket advisory
   * locks keep them apart, postgres-sample-writer.ts); otherwise they take the write lock too.
   */
  readonly closesBesideWrites?: boolean;
  /** Rolls up one step of closed buckets before `untilMs`; resolves true if it did something. */
  closeRollups(untilMs: number): Promise<boolean>;
  /** The committed watermarks, or undefined before the first sample. */
  watermarks(): Promise<Watermarks | undefined>;
  /** Forgets cached series ids and watermarks (a rolled-back transaction may have invented some). */
  resetCache(): void;
}

/**
 * A cheap cache key: labels in the order they arrived (remote-write senders sort them, so one
 * series always gives the same key). A sender that does not sort only misses the cache; the
 * stored identity is the canonical `seriesKey`.
 */
export function cacheKey(labels: Readonly<Record<string, string>>): string {
  let key = "";
  for (const k in labels) key += `${k}\u0000${labels[k] as string}\u0001`;
  return key;
}

/** A series ready for the `series` table. */
export interface SeriesRow {
  key: string;
  metric: string;
  labels: string;
  entityKind: string | null;
  entityName: string | null;
}

/** Series identity and entity from remote-write labels (`__name__` becomes the metric). */
export function toSeriesRow(labels: Readonly<Record<string, string>>): SeriesRow {
  const rest: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) if (k !== "__name__") rest[k] = labels[k] as string;
  const entity = entityOfLabels(rest);
  return {
    key: seriesKey(labels),
    metric: labels.__name__ ?? "",
    labels: JSON.stringify(rest),
    entityKind: entity?.kind ?? null,
    entityName: entity?.name ?? null,
  };
}

/**
 * Whether a sample is stored. NaN cannot be stored in SQLite's REAL and would poison rollup
 * sums, so staleness markers and NaN values are skipped and counted.
 */
export function storable(value: number): boolean {
  return !Number.isNaN(value);
}

/** Min/max/sum/count/last of the rows of one rollup bucket inserted by one batch. */
export interface BucketAccumulator {
  seriesId: number;
  bucket: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastTs: number;
}

/** Adds one inserted sample to the accumulators of its bucket of width `widthMs`. */
export function accumulate(into: Map<string, BucketAccumulator>, seriesId: number, ts: number, value: number, widthMs: number): void {
  const bucket = ts - (ts % widthMs);
  const key = `${seriesId}:${bucket}`;
  const acc = into.get(key);
  if (!acc) {
    into.set(key, { seriesId, bucket, min: value, max: value, sum: value, count: 1, last: value, lastTs: ts });
    return;
  }
  if (value < acc.min) acc.min = value;
  if (value > acc.max) acc.max = value;
  acc.sum += value;
  acc.count++;
  if (ts >= acc.lastTs) {
    acc.last = value;
    acc.lastTs = ts;
  }
}
