import { KyselyStore } from "./kysely-store.ts";
import { openPostgresParts } from "./postgres-dialect.ts";
import { openSqliteParts } from "./sqlite-dialect.ts";

/** What the store logs (pino's logger fits). */
export interface StoreLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface OpenStoreOptions {
  /** SQLite lives in `<dataDir>/cityplane.db` when no database URL is given. */
  dataDir: string;
  /** `postgres://…` selects PostgreSQL (config `database.url` / `CITYPLANE_DATABASE_URL`). */
  databaseUrl?: string;
  logger?: StoreLogger;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
}

/**
 * Opens the store the configuration asks for and applies pending migrations, logging what was
 * applied. The returned store reconnects by itself; callers only `close()` it.
 */
export async function openStore(opts: OpenStoreOptions): Promise<KyselyStore> {
  const parts = opts.databaseUrl ? openPostgresParts(opts.databaseUrl, opts.logger) : openSqliteParts(opts.dataDir);
  const store = new KyselyStore(parts);
  if (opts.migrate ?? true) {
    try {
      const report = await store.migrate();
      opts.logger?.info(
        report.applied.length > 0
          ? `store (${report.dialect}): applied migrations ${report.applied.join(", ")}; now at ${report.current}`
          : `store (${report.dialect}): schema up to date at ${report.current}`,
      );
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }
  return store;
}
