import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { KyselyStore } from "./kysely-store.ts";
import { openStore } from "./open-store.ts";
import { createTestDatabase, describeWithPostgres, postgresReachable } from "./postgres-test-database.ts";

// A closing step finds its buckets' samples through the BRIN index on time. Page ranges the
// index has no summary for match every query, so with autovacuum behind (here: off) a step
// would read the whole table for one bucket.
const pgProblem = await postgresReachable();
const T0 = Date.UTC(2026, 10, 1);
const SERIES = 3000;
const MINUTES = 30;

function minute(m: number): TimeSeries[] {
  return Array.from({ length: SERIES }, (_, k) => ({
    labels: { __name__: "close_reads", instance: `i${k % 50}`, port: String(k) },
    samples: [{ timestampMs: T0 + m * 60_000, value: k + m }],
  }));
}

describeWithPostgres(pgProblem, "closing steps read their own buckets (PostgreSQL)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: KyselyStore;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase("cityplane_close_reads");
    store = await openStore({ dataDir: "unused", databaseUrl: db.url });
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("ALTER TABLE samples SET (autovacuum_enabled = off)");
  });
  afterAll(async () => {
    await client?.end();
    await store?.close();
    await db?.drop();
  });

  it("reads at most two page ranges of the table for the last bucket closed, and leaves no range unsummarized", { timeout: 120_000 }, async () => {
    for (let m = 0; m < MINUTES; m++) await store.writeSamples(minute(m));
    await store.flushRollups();
    const wm = await client.query<{ watermark: string }>("SELECT watermark FROM rollup_watermarks WHERE resolution = '5m'");
    // The last closed bucket: 25 minutes in (the newest sample, 29, less the 2-minute grace).
    expect(Number(wm.rows[0]?.watermark)).toBe(T0 + 25 * 60_000);

    const pages = Number((await client.query<{ n: string }>("SELECT pg_relation_size('samples') / 8192 AS n")).rows[0]?.n);
    // Enough pages for several ranges of 128, or the comparison below would mean nothing.
    expect(pages).toBeGreaterThan(3 * 128);

    // What the index makes a time-range read cost, whatever the planner would pick at this size.
    await client.query("ANALYZE samples");
    await client.query("SET enable_seqscan = off");
    const plan = await client.query<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM samples WHERE ts >= ${T0 + 20 * 60_000} AND ts < ${T0 + 25 * 60_000}`,
    );
    const heap = findNode(plan.rows[0]?.["QUERY PLAN"][0].Plan, "Bitmap Heap Scan");
    expect(heap, "the bucket is read through the BRIN index").toBeDefined();
    const read = Number(heap?.["Lossy Heap Blocks"] ?? 0) + Number(heap?.["Exact Heap Blocks"] ?? 0);
    // The bucket's rows fill fewer pages than one range of 128, so with every range summarized
    // the read is the two ranges it can straddle at most (unsummarized, it was 446 of 575 pages).
    expect(read).toBeLessThanOrEqual(2 * 128);
    const count = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM samples WHERE ts >= ${T0 + 20 * 60_000} AND ts < ${T0 + 25 * 60_000}`)).rows[0]?.n;
    expect(Number(count)).toBe(5 * SERIES);
    // Checked last: summarizing is what the closing steps should have done.
    const left = await client.query<{ n: number }>("SELECT brin_summarize_new_values('samples_ts_brin') AS n");
    expect(left.rows[0]?.n).toBe(0);
  });
});

function findNode(node: Record<string, unknown> | undefined, type: string): Record<string, unknown> | undefined {
  if (!node) return undefined;
  if (node["Node Type"] === type) return node;
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) {
    const found = findNode(child, type);
    if (found) return found;
  }
  return undefined;
}
