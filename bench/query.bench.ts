/**
 * Query latency on a city-sized store: every interface of the Da Nang inventory with its in/out
 * octet counters, 30 days at 5-minute resolution (5-minute and hourly rollups for the whole
 * month, raw samples for the last two days), generated straight into the tables. Measures the
 * 30-day, 5-minute-step query of one interface, the latest values of the whole city, and how
 * long a restart takes until the store answers (open, migrations check, first query).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { interfaceName } from "../services/store/entity-mapping.ts";
import type { KyselyStore } from "../services/store/kysely-store.ts";
import { openStore } from "../services/store/open-store.ts";
import { toSeriesRow } from "../services/store/sample-writer.ts";
import { SQLITE_FILE } from "../services/store/sqlite-dialect.ts";
import type { SeriesQuery } from "../services/store/store.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { BENCH_PG_URL, dropDatabase, freshDatabase } from "./lib/pg-database.ts";
import { cityInterfaces } from "./ingest.bench.ts";

const DAY = 86_400_000;

const NOW = Date.UTC(2026, 10, 21); // midnight: every bucket before it is closed
const METRICS = ["ifHCInOctets", "ifHCOutOctets"];

interface Dataset {
  series: ReturnType<typeof toSeriesRow>[];
  days: number;
  probe: { device: string; ifName: string };
}

async function dataset(quick: boolean): Promise<Dataset> {
  let ifaces = await cityInterfaces();
  if (quick) ifaces = ifaces.slice(0, 100);
  const series = ifaces.flatMap((i) => METRICS.map((m) => toSeriesRow({ __name__: m, device: i.device, ifName: i.ifName, instance: i.instance, job: "snmp" })));
  const probe = ifaces[Math.floor(ifaces.length / 2)] as { device: string; ifName: string };
  return { series, days: 30, probe };
}

// Counters growing by (id % 7 + 1) MB per 5 minutes; each 5-minute bucket holds 5 one-minute samples.
const FIVE = (from: string, id: string, b: string): string =>
  `${id}, ${b}, (${b} - ${from}) / 300000.0 * ((${id} % 7) + 1) * 1e6, (${b} - ${from}) / 300000.0 * ((${id} % 7) + 1) * 1e6 + 4e6,
   5 * ((${b} - ${from}) / 300000.0 * ((${id} % 7) + 1) * 1e6 + 2e6), 5, (${b} - ${from}) / 300000.0 * ((${id} % 7) + 1) * 1e6 + 4e6, ${b} + 240000`;

function seedSqlite(dir: string, d: Dataset): void {
  const db = new Database(join(dir, SQLITE_FILE));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const from = NOW - d.days * DAY;
  db.transaction(() => {
    const ins = db.prepare("INSERT INTO series (metric, key, labels, entity_kind, entity_name) VALUES (?, ?, ?, ?, ?)");
    for (const s of d.series) ins.run(s.metric, s.key, s.labels, s.entityKind, s.entityName);
    const steps = (width: number, lo: number): string => `WITH RECURSIVE t(b) AS (SELECT ${lo} UNION ALL SELECT b + ${width} FROM t WHERE b + ${width} < ${NOW}) SELECT b FROM t`;
    db.exec(`INSERT INTO rollup_5m SELECT ${FIVE(String(from), "s.id", "t.b")} FROM series s CROSS JOIN (${steps(300_000, from)}) t ORDER BY s.id, t.b`);
    db.exec(`INSERT INTO rollup_1h SELECT series_id, bucket - bucket % 3600000, min(min), max(max), sum(sum), sum(count), max(last), max(last_ts) FROM rollup_5m GROUP BY series_id, bucket - bucket % 3600000`);
    db.exec(`INSERT INTO samples SELECT s.id, t.b, (t.b - ${from}) / 60000.0 * ((s.id % 7) + 1) * 2e5 FROM series s CROSS JOIN (${steps(60_000, NOW - 2 * DAY)}) t ORDER BY s.id, t.b`);
    db.prepare("INSERT INTO rollup_watermarks VALUES ('5m', ?), ('1h', ?)").run(NOW, NOW);
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

async function seedPostgres(url: string, d: Dataset): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const from = NOW - d.days * DAY;
    await c.query("BEGIN");
    await c.query("INSERT INTO series (metric, key, labels, entity_kind, entity_name) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])", [
      d.series.map((s) => s.metric), d.series.map((s) => s.key), d.series.map((s) => s.labels), d.series.map((s) => s.entityKind), d.series.map((s) => s.entityName),
    ]);
    await c.query(`INSERT INTO rollup_5m SELECT ${FIVE(String(from), "s.id", "b")} FROM series s CROSS JOIN generate_series(${from}::int8, ${NOW - 300_000}::int8, 300000::int8) b ORDER BY s.id, b`);
    await c.query(`INSERT INTO rollup_1h SELECT series_id, bucket - bucket % 3600000, min(min), max(max), sum(sum), sum(count), max(last), max(last_ts) FROM rollup_5m GROUP BY 1, 2`);
    await c.query(`INSERT INTO samples SELECT s.id, b, (b - ${from}) / 60000.0 * ((s.id % 7) + 1) * 2e5 FROM series s CROSS JOIN generate_series(${NOW - 2 * DAY}::int8, ${NOW - 60_000}::int8, 60000::int8) b ORDER BY s.id, b`);
    await c.query("INSERT INTO rollup_watermarks VALUES ('5m', $1), ('1h', $1)", [NOW]);
    await c.query("COMMIT");
    await c.query("ANALYZE");
  } finally {
    await c.end();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

async function measure(open: () => Promise<KyselyStore>, d: Dataset, prefix: string, metrics: Record<string, number>): Promise<void> {
  let store = await open();
  const q: SeriesQuery = { metric: "ifHCInOctets", entity: { kind: "interface", name: interfaceName(d.probe.device, d.probe.ifName) }, fromMs: NOW - 30 * DAY, toMs: NOW, stepMs: 300_000, aggregation: "rate" };
  const [, check] = await time(() => store.querySeries(q));
  if (check[0]?.points.length !== 8640 - 1) throw new Error(`30-day query returned ${check[0]?.points.length ?? 0} points, expected 8639`);
  const rate: number[] = [];
  const avg: number[] = [];
  for (let i = 0; i < 15; i++) {
    rate.push((await time(() => store.querySeries(q)))[0]);
    avg.push((await time(() => store.querySeries({ ...q, aggregation: "avg" })))[0]);
  }
  metrics[`${prefix}_query_30d_5m_rate_ms`] = median(rate);
  metrics[`${prefix}_query_30d_5m_avg_ms`] = median(avg);
  const latest: number[] = [];
  let values = 0;
  for (let i = 0; i < 5; i++) {
    const [ms, n] = await time(async () => (await Promise.all(METRICS.map((metric) => store.latest({ metric })))).reduce((a, r) => a + r.length, 0));
    latest.push(ms);
    values = n;
  }
  metrics[`${prefix}_latest_city_ms`] = median(latest);
  metrics[`${prefix}_latest_city_values`] = values;
  await store.close();
  const [reopen, reopened] = await time(async () => {
    const s = await open();
    await s.ping();
    return s;
  });
  store = reopened;
  metrics[`${prefix}_reopen_ms`] = reopen;
  metrics[`${prefix}_first_query_after_reopen_ms`] = (await time(() => store.querySeries(q)))[0];
  await store.close();
}

/**
 * Latest values by city size: `n` interface counters with LATEST_HOURS of one-minute samples
 * each (the query reads one index entry per series, so the depth of history barely matters;
 * six hours keeps 20,000 series quick to seed).
 */
const LATEST_HOURS = 6;

function latestSeries(n: number): ReturnType<typeof toSeriesRow>[] {
  return Array.from({ length: n }, (_, i) =>
    toSeriesRow({ __name__: "ifHCInOctets", device: `sw-${Math.floor(i / 48)}`, ifName: `Gi0/0/${i % 48}`, instance: `10.${Math.floor(i / 48 / 250)}.${Math.floor(i / 48) % 250}.1:161`, job: "snmp" }),
  );
}

async function timeLatest(store: KyselyStore, n: number): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [ms, values] = await time(() => store.latest({ metric: "ifHCInOctets" }));
    if (values.length !== n) throw new Error(`latest returned ${values.length} values for ${n} series`);
    runs.push(ms);
  }
  return median(runs);
}

async function latestSqlite(n: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-bench-latest-"));
  try {
    await (await openStore({ dataDir: dir })).close();
    const db = new Database(join(dir, SQLITE_FILE));
    db.pragma("synchronous = OFF");
    db.transaction(() => {
      const ins = db.prepare("INSERT INTO series (metric, key, labels, entity_kind, entity_name) VALUES (?, ?, ?, ?, ?)");
      for (const s of latestSeries(n)) ins.run(s.metric, s.key, s.labels, s.entityKind, s.entityName);
      db.exec(`INSERT INTO samples SELECT s.id, t.b, t.b / 60000.0 + s.id FROM series s CROSS JOIN
        (WITH RECURSIVE t(b) AS (SELECT ${NOW - LATEST_HOURS * 3_600_000} UNION ALL SELECT b + 60000 FROM t WHERE b + 60000 < ${NOW}) SELECT b FROM t) t ORDER BY s.id, t.b`);
    })();
    db.close();
    const store = await openStore({ dataDir: dir });
    try {
      return await timeLatest(store, n);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latestPostgres(admin: pg.Client, n: number): Promise<number> {
  const name = `cityplane_bench_latest_${process.pid}`;
  const url = await freshDatabase(admin, name);
  try {
    await (await openStore({ dataDir: "unused", databaseUrl: url })).close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query("INSERT INTO series (metric, key, labels, entity_kind, entity_name) SELECT metric, key, labels, \"entityKind\", \"entityName\" FROM json_to_recordset($1::json) AS r(metric text, key text, labels text, \"entityKind\" text, \"entityName\" text)", [JSON.stringify(latestSeries(n))]);
      await c.query(`INSERT INTO samples SELECT s.id, b, b / 60000.0 + s.id FROM series s CROSS JOIN generate_series(${NOW - LATEST_HOURS * 3_600_000}::int8, ${NOW - 60_000}::int8, 60000::int8) b ORDER BY s.id, b`);
      await c.query("ANALYZE");
    } finally {
      await c.end();
    }
    const store = await openStore({ dataDir: "unused", databaseUrl: url });
    try {
      return await timeLatest(store, n);
    } finally {
      await store.close();
    }
  } finally {
    await dropDatabase(admin, name);
  }
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const d = await dataset(quick);
  const metrics: Record<string, number> = { series: d.series.length, days: d.days, rollup_5m_rows: d.series.length * d.days * 288 };
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "cityplane-bench-query-"));
  try {
    await (await openStore({ dataDir: dir })).close();
    const [seedMs] = await time(async () => seedSqlite(dir, d));
    metrics.sqlite_seed_s = seedMs / 1000;
    metrics.sqlite_file_mb = statSync(join(dir, SQLITE_FILE)).size / 1e6;
    await measure(() => openStore({ dataDir: dir }), d, "sqlite", metrics);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const counts = quick ? [200, 2000] : [200, 2000, 20_000];
  for (const n of counts) metrics[`sqlite_latest_${n}_series_ms`] = await latestSqlite(n);

  const name = `cityplane_bench_query_${process.pid}`;
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  try {
    await admin.connect();
    const url = await freshDatabase(admin, name);
    await (await openStore({ dataDir: "unused", databaseUrl: url })).close();
    const [seedMs] = await time(() => seedPostgres(url, d));
    metrics.postgres_seed_s = seedMs / 1000;
    await measure(() => openStore({ dataDir: "unused", databaseUrl: url }), d, "postgres", metrics);
    for (const n of counts) metrics[`postgres_latest_${n}_series_ms`] = await latestPostgres(admin, n);
  } catch (err) {
    notes.push(`PostgreSQL part skipped: ${(err as Error).message}`);
  } finally {
    await dropDatabase(admin, name).catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
  return { name: "query", metrics, notes: notes.join("; ") || undefined };
}
