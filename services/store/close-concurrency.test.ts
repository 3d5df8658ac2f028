import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { KyselyStore } from "./kysely-store.ts";
import { openStore } from "./open-store.ts";
import { createTestDatabase, describeWithPostgres, postgresReachable } from "./postgres-test-database.ts";
import { MAX_BATCH_BUCKET_LOCKS } from "./postgres-sample-writer.ts";
import { GRACE_MS } from "./rollup-closer.ts";

// Two servers on one PostgreSQL, each ingesting its own agents' series and closing rollups
// beside its writes, plus a third closing on its own: batches land in the buckets being closed,
// late samples in buckets just closed, replays repeat earlier batches. Whatever the interleaving,
// the rollups must equal a recomputation from the raw samples.
const pgProblem = await postgresReachable();
const T0 = Date.UTC(2026, 10, 1);
const ITERATIONS = 300;
const STEP_MS = 20_000;
const SERIES_PER_SERVER = 6;

/** A small seeded generator (mulberry32): the same batches every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value of a series at a time: a replayed sample carries the same value, as from a real spool. */
const valueAt = (series: number, ts: number): number => (series * 7919 + ts / 1000) % 1000;

function batch(server: number, now: number, rnd: () => number): TimeSeries[] {
  const out: TimeSeries[] = [];
  for (let k = 0; k < SERIES_PER_SERVER; k++) {
    const id = server * 100 + k;
    const times = new Set<number>([now]);
    // Around the closing edge (the grace is 2 minutes), in buckets closed meanwhile, in closed hours.
    if (rnd() < 0.6) times.add(now - Math.floor(rnd() * 300) * 1000);
    if (rnd() < 0.25) times.add(now - Math.floor(300 + rnd() * 1500) * 1000);
    if (rnd() < 0.05) times.add(now - Math.floor(3600 + rnd() * 3600) * 1000);
    const samples = [...times].sort((a, b) => a - b).map((ts) => ({ timestampMs: ts, value: valueAt(id, ts) }));
    out.push({ labels: { __name__: "race_value", instance: `s${server}`, series: String(id) }, samples });
  }
  return out;
}

describeWithPostgres(pgProblem, "closing beside ingest (PostgreSQL)", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const stores: KyselyStore[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("cityplane_race");
    for (let i = 0; i < 3; i++) stores.push(await openStore({ dataDir: "unused", databaseUrl: db.url }));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await db?.drop();
  });

  it("ends with rollups equal to a recomputation from the raw samples, every sample counted once", { timeout: 120_000 }, async () => {
    let newest = T0;
    let done = false;
    let acknowledged = 0;
    const server = async (index: number): Promise<void> => {
      const store = stores[index] as KyselyStore;
      const rnd = random(index + 1);
      const sent: TimeSeries[][] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const now = T0 + i * STEP_MS + Math.floor(rnd() * 10) * 1000;
        newest = Math.max(newest, now);
        let b = rnd() < 0.1 && sent.length > 0 ? (sent[Math.floor(rnd() * sent.length)] as TimeSeries[]) : batch(index, now, rnd);
        // Once, late in the run, an agent whose clock runs ahead: six hours of buckets in one
        // batch (more than a batch locks one by one) while the others keep writing and closing.
        if (index === 1 && i === ITERATIONS - 40) b = [{ labels: { __name__: "race_value", instance: "ahead", series: "999" }, samples: Array.from({ length: MAX_BATCH_BUCKET_LOCKS + 8 }, (_, k) => ({ timestampMs: now + k * 300_000, value: k })) }];
        sent.push(b);
        const { inserted } = await store.writeSamples(b);
        acknowledged += inserted;
      }
    };
    // The third server closes whatever is due as fast as it can, racing both writers.
    const closer = async (): Promise<void> => {
      while (!done) {
        await (stores[2] as KyselyStore).flushRollups(newest - GRACE_MS);
        await new Promise((r) => setImmediate(r));
      }
    };
    const closing = closer();
    await Promise.all([server(0), server(1)]);
    done = true;
    await closing;
    // Everything closed: the rollup tables alone must now hold every sample.
    await (stores[2] as KyselyStore).flushRollups(newest + 8 * 3_600_000);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const q = async (text: string): Promise<Record<string, unknown>[]> => (await client.query<Record<string, unknown>>(text)).rows;
      const recompute = (width: number): string => `SELECT series_id, ts - ts % ${width} AS bucket, min(value) AS min, max(value) AS max, sum(value) AS sum,
          count(*) AS count, (array_agg(value ORDER BY ts DESC))[1] AS last, max(ts) AS last_ts FROM samples GROUP BY 1, 2 ORDER BY 1, 2`;
      const stored = (table: string): string => `SELECT series_id, bucket, min, max, sum, count, last, last_ts FROM ${table} ORDER BY 1, 2`;
      const total = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM samples")).rows[0]?.n);
      expect(total).toBe(acknowledged);
      expect(total).toBeGreaterThan(ITERATIONS * SERIES_PER_SERVER * 2);
      expect(await q(stored("rollup_5m"))).toEqual(await q(recompute(300_000)));
      expect(await q(stored("rollup_1h"))).toEqual(await q(recompute(3_600_000)));
    } finally {
      await client.end();
    }
  });
});
