import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { sqliteMigrations } from "./migrations/sqlite.migrations.ts";
import { SqliteSampleWriter } from "./sqlite-sample-writer.ts";
import type { DialectParts } from "./kysely-store.ts";
import type { StoreDatabase } from "./store.schema.ts";

/** The embedded database file inside the data directory. */
export const SQLITE_FILE = "cityplane.db";

/**
 * Opens the embedded SQLite database: WAL (readers never block the writer), synchronous=NORMAL
 * (a process crash loses nothing committed; a power cut may lose the last commits — security
 * events switch to FULL, see KyselyStore.writeEvents), one connection shared by the hot-path
 * writer and Kysely.
 */
export function openSqliteParts(dataDir: string): DialectParts {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new Database(join(dataDir, SQLITE_FILE));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("busy_timeout = 5000");
  // 64 MiB of page cache: the rollup rows of a city's current buckets stay in memory.
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("temp_store = MEMORY");
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  let writer: SqliteSampleWriter | undefined;
  const w = (): SqliteSampleWriter => (writer ??= new SqliteSampleWriter(sqlite));
  return {
    dialect: "sqlite",
    db,
    // Prepared lazily: the tables exist only after migrate().
    writer: {
      write: (series) => w().write(series),
      closeRollups: (untilMs) => w().closeRollups(untilMs),
      watermarks: () => w().watermarks(),
      resetCache: () => writer?.resetCache(),
    },
    migrations: sqliteMigrations,
    async durably(fn) {
      sqlite.pragma("synchronous = FULL");
      try {
        return await fn();
      } finally {
        sqlite.pragma("synchronous = NORMAL");
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
