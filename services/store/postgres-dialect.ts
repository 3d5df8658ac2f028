import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { postgresMigrations } from "./migrations/postgres.migrations.ts";
import { PostgresSampleWriter } from "./postgres-sample-writer.ts";
import type { DialectParts } from "./kysely-store.ts";
import type { StoreDatabase } from "./store.schema.ts";
import type { StoreLogger } from "./open-store.ts";

/**
 * Opens a pool on PostgreSQL. A pool reconnects by itself: a connection the server terminated is
 * dropped (the pool's `error` event, which must have a listener or the process dies) and the
 * next query opens a fresh one — recovery without re-creating the store.
 */
export function openPostgresParts(url: string, logger?: StoreLogger): DialectParts {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, application_name: "cityplane" });
  pool.on("error", (err) => logger?.warn(`postgresql: idle connection lost (${err.message}); the pool reconnects on demand`));
  // A checked-out client has no pool listener: a backend terminated between two queries of a
  // transaction would emit an unhandled 'error' and kill the process. The failure still reaches
  // the caller through its next query; this listener only keeps the process up.
  pool.on("connect", (client) => {
    client.on("error", (err) => logger?.warn(`postgresql: connection lost (${err.message})`));
  });
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: "postgres",
    db,
    writer: new PostgresSampleWriter(pool),
    migrations: postgresMigrations,
    // Commits are synchronous on PostgreSQL by default (synchronous_commit=on).
    durably: (fn) => fn(),
    async close() {
      await db.destroy();
    },
  };
}
