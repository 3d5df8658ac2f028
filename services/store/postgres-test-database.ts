import { randomBytes } from "node:crypto";
import pg from "pg";
import { describeWithPeer } from "../../test/peers.ts";

/**
 * PostgreSQL for tests: the Debian server on loopback (or `TEST_PG_URL`). Each test file gets a
 * database of its own (the role has CREATEDB), so files running in parallel never collide.
 */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? "postgres://cityplane_test:cityplane_test@127.0.0.1:5432/cityplane_test";

/** Whether PostgreSQL answers (a connect check: the binary may be installed but not running). */
export async function postgresReachable(url = TEST_PG_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `describe` for tests needing PostgreSQL: skipped locally when unreachable, failing under CI_REQUIRE_PEERS=1. */
export function describeWithPostgres(problem: string | undefined, name: string, fn: () => void): void {
  describeWithPeer(problem === undefined ? undefined : `PostgreSQL unreachable at ${redact(TEST_PG_URL)}: ${problem}`, name, fn);
}

/** Creates a fresh database; `drop()` removes it, closing whatever is still connected. */
export async function createTestDatabase(prefix: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => dropDatabase(name) };
}

/** Drops a test database; retries while an autovacuum worker (not ours to terminate) is in it. */
async function dropDatabase(name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Runs one statement on the test server's own database. */
export async function adminQuery(text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
