import { sql, type Kysely, type Migration } from "kysely";

/**
 * SQLite DDL (Kysely's schema builder is not portable between dialects, so each dialect has its
 * own list; names and order match migrations/postgres.migrations.ts). Sample and rollup tables
 * are WITHOUT ROWID: the primary key is the only index, so an insert touches one B-tree.
 */
const statements: Record<string, string[]> = {
  "0001-series-samples-rollups": [
    `CREATE TABLE series (
       id INTEGER PRIMARY KEY,
       metric TEXT NOT NULL,
       key TEXT NOT NULL UNIQUE,
       labels TEXT NOT NULL,
       entity_kind TEXT,
       entity_name TEXT)`,
    `CREATE INDEX series_metric ON series (metric)`,
    `CREATE INDEX series_entity ON series (entity_kind, entity_name)`,
    `CREATE TABLE samples (
       series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL,
       PRIMARY KEY (series_id, ts)) WITHOUT ROWID`,
    ...["rollup_5m", "rollup_1h"].map(
      (t) => `CREATE TABLE ${t} (
       series_id INTEGER NOT NULL, bucket INTEGER NOT NULL,
       min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
       last REAL NOT NULL, last_ts INTEGER NOT NULL,
       PRIMARY KEY (series_id, bucket)) WITHOUT ROWID`,
    ),
  ],
  "0002-state-intervals-events": [
    `CREATE TABLE state_intervals (
       id INTEGER PRIMARY KEY,
       entity_kind TEXT NOT NULL, entity_name TEXT NOT NULL, state TEXT NOT NULL,
       start_ms INTEGER NOT NULL, end_ms INTEGER, reason TEXT)`,
    `CREATE INDEX state_intervals_entity ON state_intervals (entity_kind, entity_name, start_ms)`,
    // At most one open interval per entity: the invariant availability is computed from.
    `CREATE UNIQUE INDEX state_intervals_open ON state_intervals (entity_kind, entity_name) WHERE end_ms IS NULL`,
    `CREATE TABLE events (
       id TEXT PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL,
       severity TEXT NOT NULL, security INTEGER NOT NULL, agent TEXT NOT NULL, source TEXT,
       entity_kind TEXT, entity_name TEXT, message TEXT NOT NULL, attributes TEXT NOT NULL)`,
    `CREATE INDEX events_ts ON events (ts)`,
    `CREATE INDEX events_entity ON events (entity_kind, entity_name, ts)`,
  ],
  // Rollups close per bucket from the raw samples (rollup-closer.ts): everything before a
  // table's watermark is complete in it.
  "0003-rollup-watermarks": [`CREATE TABLE rollup_watermarks (resolution TEXT PRIMARY KEY, watermark INTEGER NOT NULL)`],
  // Same name as PostgreSQL's BRIN indexes; SQLite seeks per series instead (rollup-closer.ts).
  "0004-time-range-indexes": [],
};

/** The SQLite migrations, for Kysely's Migrator. */
export const sqliteMigrations: Record<string, Migration> = Object.fromEntries(
  Object.entries(statements).map(([name, ddl]) => [
    name,
    {
      async up(db: Kysely<unknown>): Promise<void> {
        for (const stmt of ddl) await sql.raw(stmt).execute(db);
      },
    },
  ]),
);
