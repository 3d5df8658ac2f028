import type pg from "pg";

/** The PostgreSQL the benchmarks use: Debian's on loopback unless TEST_PG_URL says otherwise. */
export const BENCH_PG_URL = process.env.TEST_PG_URL ?? "postgres://cityplane_test:cityplane_test@127.0.0.1:5432/cityplane_test";

/** DROP DATABASE … WITH (FORCE), retried while an autovacuum worker (not ours to end) is inside. */
export async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** (Re)creates database `name` empty and returns its URL. */
export async function freshDatabase(admin: pg.Client, name: string): Promise<string> {
  await dropDatabase(admin, name);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
