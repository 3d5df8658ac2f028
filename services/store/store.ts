import type { CityEvent, EntityRef } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";

/**
 * The repository layer (DESIGN.md "Storage behind one repository layer"): one interface, a
 * SQLite (better-sqlite3, WAL) and a PostgreSQL implementation sharing Kysely queries, with
 * per-dialect migrations. Services and routes see only this interface.
 */
export interface Store {
  /** Applies pending migrations; returns what it did, for the start-up report. */
  migrate(): Promise<MigrationReport>;
  /**
   * Writes samples in one transaction and resolves only after commit. Idempotent: a sample is
   * keyed by (series, timestamp), so a replayed batch changes nothing. Rollups are maintained.
   */
  writeSamples(series: readonly TimeSeries[]): Promise<WriteReport>;
  /** Idempotent on event id. */
  writeEvents(events: readonly CityEvent[]): Promise<WriteReport>;
  /** Records an entity's observed state; closes the open interval when the state changes. */
  recordState(entity: EntityRef, state: EntityState, atMs: number, reason?: string): Promise<void>;
  querySeries(query: SeriesQuery): Promise<SeriesResult[]>;
  latest(selector: SeriesSelector): Promise<LatestValue[]>;
  stateIntervals(entity: EntityRef, fromMs: number, toMs: number): Promise<StateInterval[]>;
  /** The open (current) state interval of every entity, optionally of one kind: observed state. */
  currentStates(kind?: EntityRef["kind"]): Promise<StateInterval[]>;
  events(query: EventQuery): Promise<CityEvent[]>;
  /** Deletes what is older than the retention, in small batches that never stall ingest. */
  applyRetention(nowMs: number, retention: RetentionPolicy): Promise<{ deleted: number }>;
  /** Cheap round trip for /readyz and the 503 decision. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type EntityState = "up" | "down" | "degraded" | "unknown";

export interface MigrationReport {
  dialect: "sqlite" | "postgres";
  applied: string[];
  current: string;
}

export interface WriteReport {
  /** Rows new to the store. */
  inserted: number;
  /** Rows already present (replays). */
  duplicates: number;
  /** Samples not stored: staleness markers and NaN values (SQLite has no NaN; rollups would be poisoned). */
  skipped?: number;
}

export interface SeriesSelector {
  metric: string;
  /** Exact label matches. */
  labels?: Record<string, string>;
  entity?: EntityRef;
}

export type Aggregation = "avg" | "min" | "max" | "rate" | "p95" | "last";

export interface SeriesQuery extends SeriesSelector {
  fromMs: number;
  toMs: number;
  stepMs: number;
  aggregation: Aggregation;
}

export interface SeriesResult {
  labels: Record<string, string>;
  /** Which table answered: raw samples or a rollup. */
  resolution: "raw" | "5m" | "1h";
  points: { ts: number; value: number }[];
}

export interface LatestValue {
  labels: Record<string, string>;
  ts: number;
  value: number;
}

export interface StateInterval {
  entity: EntityRef;
  state: EntityState;
  startMs: number;
  /** Undefined while the interval is open. */
  endMs?: number;
  reason?: string;
}

export interface EventQuery {
  fromMs?: number;
  toMs?: number;
  kind?: CityEvent["kind"];
  security?: boolean;
  entity?: EntityRef;
  limit: number;
}

export interface RetentionPolicy {
  rawDays: number;
  fiveMinuteDays: number;
  hourlyDays: number;
}

/** The database is unreachable or refusing writes: ingest answers 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
