import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { KyselyStore } from "./kysely-store.ts";
import { openStore } from "./open-store.ts";
import { createTestDatabase, describeWithPostgres, postgresReachable } from "./postgres-test-database.ts";
import { InvalidQueryError } from "./series-aggregate.ts";
import { SQLITE_FILE } from "./sqlite-dialect.ts";

// One suite, two dialects: the same behaviour must hold on SQLite and PostgreSQL.
const pgProblem = await postgresReachable();
const T0 = Date.UTC(2026, 10, 1); // on an hour boundary
const MIN = 60_000;

type Backend = {
  name: "sqlite" | "postgres";
  open(): Promise<KyselyStore>;
  /** One statement straight on the database, behind the store's back. */
  exec(text: string): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
};

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-store-"));
  return {
    name: "sqlite",
    open: () => openStore({ dataDir: dir }),
    async exec(text) {
      const db = new Database(join(dir, SQLITE_FILE));
      try {
        const st = db.prepare(text);
        return st.reader ? (st.all() as Record<string, unknown>[]) : (st.run(), []);
      } finally {
        db.close();
      }
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

let pgDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
function postgresBackend(): Backend {
  return {
    name: "postgres",
    async open() {
      pgDb ??= await createTestDatabase("cityplane_repo");
      return openStore({ dataDir: "unused", databaseUrl: pgDb.url });
    },
    async exec(text) {
      const client = new pg.Client({ connectionString: pgDb?.url });
      await client.connect();
      try {
        return (await client.query<Record<string, unknown>>(text)).rows;
      } finally {
        await client.end();
      }
    },
    cleanup: async () => pgDb?.drop(),
  };
}

function ifOctets(device: string, ifName: string, points: [number, number][]): TimeSeries {
  return { labels: { __name__: "ifHCInOctets", device, ifName }, samples: points.map(([timestampMs, value]) => ({ timestampMs, value })) };
}

function event(id: string, ts: number, extra: Partial<CityEvent> = {}): CityEvent {
  return { id, ts, kind: "trap", type: "linkDown", severity: "major", security: false, agent: "agent-1", message: `event ${id}`, attributes: {}, ...extra };
}

function suite(makeBackend: () => Backend): void {
  const backend = makeBackend();
  let store: KyselyStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it("applies the migrations once and reports nothing on the next start", async () => {
    expect(await store.migrate()).toEqual({ dialect: backend.name, applied: [], current: "0004-time-range-indexes" });
    const again = await backend.open();
    expect((await again.migrate()).applied).toEqual([]);
    await again.close();
  });

  it("stores a batch once: a replay inserts nothing and leaves the rollups unchanged", async () => {
    const batch = [ifOctets("r1", "Gi0/1", [[T0, 100], [T0 + MIN, 160], [T0 + 2 * MIN, 220]]), ifOctets("r1", "Gi0/2", [[T0, 5]])];
    expect(await store.writeSamples(batch)).toMatchObject({ inserted: 4, duplicates: 0 });
    const query = { metric: "ifHCInOctets", entity: { kind: "interface" as const, name: "r1/Gi0/1" }, fromMs: T0, toMs: T0 + 10 * MIN, stepMs: 5 * MIN, aggregation: "avg" as const };
    const before = await store.querySeries(query);
    expect(await store.writeSamples(batch)).toMatchObject({ inserted: 0, duplicates: 4 });
    expect(await store.querySeries(query)).toEqual(before);
    expect(before).toEqual([{ labels: { device: "r1", ifName: "Gi0/1" }, resolution: "5m", points: [{ ts: T0, value: 160 }] }]);
  });

  it("keeps min, max, avg and last per 5-minute and hourly bucket across batches", async () => {
    const s = (pts: [number, number][]): TimeSeries[] => [{ labels: { __name__: "cpu_load", device: "core-1" }, samples: pts.map(([timestampMs, value]) => ({ timestampMs, value })) }];
    await store.writeSamples(s([[T0 + 1 * MIN, 10], [T0 + 3 * MIN, 30]]));
    await store.writeSamples(s([[T0 + 2 * MIN, 50], [T0 + 6 * MIN, 7]]));
    await store.writeSamples(s([[T0 + 2 * MIN, 50]])); // replayed: must not count twice
    const q = { metric: "cpu_load", fromMs: T0, toMs: T0 + 10 * MIN, stepMs: 5 * MIN };
    const cases = [
      ["avg", [30, 7]],
      ["min", [10, 7]],
      ["max", [50, 7]],
      ["last", [30, 7]],
    ] as const;
    for (const [aggregation, values] of cases) {
      const [r] = await store.querySeries({ ...q, aggregation });
      expect(r?.points, aggregation).toEqual([{ ts: T0, value: values[0] }, { ts: T0 + 5 * MIN, value: values[1] }]);
    }
    const [hourly] = await store.querySeries({ ...q, toMs: T0 + 3 * 3_600_000, stepMs: 3_600_000, aggregation: "avg" });
    expect(hourly).toMatchObject({ resolution: "1h", points: [{ ts: T0, value: (10 + 30 + 50 + 7) / 4 }] });
  });

  it("counts a late sample for an already rolled-up bucket once, replays included", async () => {
    const s = (pts: [number, number][]): TimeSeries[] => [{ labels: { __name__: "temp_celsius", device: "dc-sensor-1" }, samples: pts.map(([timestampMs, value]) => ({ timestampMs, value })) }];
    await store.writeSamples(s([[T0 + MIN, 20], [T0 + 7 * MIN, 22]]));
    await store.flushRollups(T0 + 2 * 3_600_000); // both 5-minute buckets and the hour are closed now
    const q = { metric: "temp_celsius", fromMs: T0, toMs: T0 + 10 * MIN, stepMs: 5 * MIN, aggregation: "avg" as const };
    const hourly = { ...q, toMs: T0 + 3_600_000, stepMs: 3_600_000 };
    expect((await store.querySeries(q))[0]?.points).toEqual([{ ts: T0, value: 20 }, { ts: T0 + 5 * MIN, value: 22 }]);
    for (let i = 0; i < 2; i++) {
      await store.writeSamples(s([[T0 + 2 * MIN, 30], [T0 + MIN, 20]])); // late, then replayed
      expect((await store.querySeries(q))[0]?.points).toEqual([{ ts: T0, value: 25 }, { ts: T0 + 5 * MIN, value: 22 }]);
      expect((await store.querySeries(hourly))[0]?.points).toEqual([{ ts: T0, value: (20 + 30 + 22) / 3 }]);
    }
  });

  it("answers raw queries at fine steps, filtered by labels", async () => {
    const [r] = await store.querySeries({ metric: "ifHCInOctets", labels: { ifName: "Gi0/1" }, fromMs: T0, toMs: T0 + 3 * MIN, stepMs: MIN, aggregation: "last" });
    expect(r).toEqual({ labels: { device: "r1", ifName: "Gi0/1" }, resolution: "raw", points: [{ ts: T0, value: 100 }, { ts: T0 + MIN, value: 160 }, { ts: T0 + 2 * MIN, value: 220 }] });
  });

  it("computes counter rates per step and survives a counter reset", async () => {
    // 1 MB/min, then the device reboots at +4 min and counts from zero again.
    const pts: [number, number][] = [[T0, 0], [T0 + MIN, 60e6], [T0 + 2 * MIN, 120e6], [T0 + 3 * MIN, 180e6], [T0 + 4 * MIN, 30e6], [T0 + 5 * MIN, 90e6]];
    await store.writeSamples([ifOctets("r2", "Te1/1", pts)]);
    const [r] = await store.querySeries({ metric: "ifHCInOctets", labels: { device: "r2" }, fromMs: T0 + MIN, toMs: T0 + 6 * MIN, stepMs: MIN, aggregation: "rate" });
    expect(r?.points.map((p) => p.value)).toEqual([1e6, 1e6, 1e6, 0.5e6, 1e6]);
  });

  it("gives the 95th percentile of the samples in a step", async () => {
    const pts: [number, number][] = Array.from({ length: 20 }, (_, i) => [T0 + i * 1000, i + 1]);
    await store.writeSamples([{ labels: { __name__: "probe_duration_seconds", service: "egov-portal" }, samples: pts.map(([timestampMs, value]) => ({ timestampMs, value })) }]);
    const [r] = await store.querySeries({ metric: "probe_duration_seconds", entity: { kind: "service", name: "egov-portal" }, fromMs: T0, toMs: T0 + MIN, stepMs: MIN, aggregation: "p95" });
    expect(r?.points).toEqual([{ ts: T0, value: 19 }]);
  });

  it("returns the newest sample of every matching series", async () => {
    const latest = await store.latest({ metric: "ifHCInOctets", labels: { device: "r1" } });
    expect(latest.sort((a, b) => (a.labels.ifName ?? "").localeCompare(b.labels.ifName ?? ""))).toEqual([
      { labels: { device: "r1", ifName: "Gi0/1" }, ts: T0 + 2 * MIN, value: 220 },
      { labels: { device: "r1", ifName: "Gi0/2" }, ts: T0, value: 5 },
    ]);
    // A late sample is history, not news; an entity selects its own series only.
    await store.writeSamples([ifOctets("r1", "Gi0/2", [[T0 - MIN, 1]])]);
    expect(await store.latest({ metric: "ifHCInOctets", entity: { kind: "interface", name: "r1/Gi0/2" } })).toEqual([{ labels: { device: "r1", ifName: "Gi0/2" }, ts: T0, value: 5 }]);
    expect(await store.latest({ metric: "ifHCInOctets", labels: { device: "nowhere" } })).toEqual([]);
  });

  it("skips staleness markers and counts them", async () => {
    const report = await store.writeSamples([{ labels: { __name__: "up", device: "r9" }, samples: [{ timestampMs: T0, value: 1 }, { timestampMs: T0 + MIN, value: NaN, stale: true }] }]);
    expect(report).toEqual({ inserted: 1, duplicates: 0, skipped: 1 });
  });

  it("rejects invalid queries with the parameter named, reading nothing", async () => {
    const base = { metric: "cpu_load", fromMs: T0, toMs: T0 + MIN, stepMs: MIN, aggregation: "avg" as const };
    const cases: [Partial<typeof base> | Record<string, unknown>, RegExp][] = [
      [{ toMs: T0 - 1 }, /toMs .* must be after fromMs/],
      [{ stepMs: 10 }, /stepMs: must be at least 1000/],
      [{ toMs: T0 + 30 * 86_400_000, stepMs: 1000 }, /at most 11000/],
      [{ aggregation: "median" }, /aggregation: must be one of/],
      [{ aggregation: "rate" }, /"cpu_load" is not a counter/],
      [{ metric: "" }, /metric: required/],
    ];
    for (const [patch, message] of cases) {
      const q = { ...base, ...patch } as Parameters<KyselyStore["querySeries"]>[0];
      await expect(store.querySeries(q)).rejects.toThrow(InvalidQueryError);
      await expect(store.querySeries(q)).rejects.toThrow(message);
    }
  });

  it("stores events once and filters them by kind, security, entity and time", async () => {
    const batch = [
      event("evt-0001-aaaa", T0, { entity: { kind: "device", name: "r1" } }),
      event("evt-0002-bbbb", T0 + 1000, { kind: "syslog", type: "login-failed", security: true, source: "10.10.0.5", attributes: { user: "admin", attempts: 3 } }),
      event("evt-0003-cccc", T0 + 2000, { entity: { kind: "device", name: "r2" } }),
    ];
    expect(await store.writeEvents(batch)).toEqual({ inserted: 3, duplicates: 0 });
    expect(await store.writeEvents(batch)).toEqual({ inserted: 0, duplicates: 3 });
    expect((await store.events({ limit: 10 })).map((e) => e.id)).toEqual(["evt-0003-cccc", "evt-0002-bbbb", "evt-0001-aaaa"]);
    expect(await store.events({ security: true, limit: 10 })).toEqual([batch[1]]);
    expect((await store.events({ entity: { kind: "device", name: "r1" }, limit: 10 })).map((e) => e.id)).toEqual(["evt-0001-aaaa"]);
    expect((await store.events({ kind: "trap", fromMs: T0 + 1, limit: 10 })).map((e) => e.id)).toEqual(["evt-0003-cccc"]);
    expect(await store.events({ limit: 1 })).toHaveLength(1);
  });

  it("records state changes as intervals, ignoring repeats and late reports", async () => {
    const link = { kind: "link" as const, name: "hc-ward-1" };
    await store.recordState(link, "up", T0);
    await store.recordState(link, "up", T0 + MIN); // no change
    await store.recordState(link, "down", T0 + 10 * MIN, "ifOperStatus down");
    await store.recordState(link, "up", T0 + 5 * MIN); // late: older than the open interval
    await store.recordState(link, "up", T0 + 15 * MIN);
    expect(await store.stateIntervals(link, T0, T0 + 60 * MIN)).toEqual([
      { entity: link, state: "up", startMs: T0, endMs: T0 + 10 * MIN },
      { entity: link, state: "down", startMs: T0 + 10 * MIN, endMs: T0 + 15 * MIN, reason: "ifOperStatus down" },
      { entity: link, state: "up", startMs: T0 + 15 * MIN },
    ]);
    expect(await store.stateIntervals(link, T0 + 11 * MIN, T0 + 12 * MIN)).toEqual([{ entity: link, state: "down", startMs: T0 + 10 * MIN, endMs: T0 + 15 * MIN, reason: "ifOperStatus down" }]);
    expect(await store.currentStates("link")).toEqual([{ entity: link, state: "up", startMs: T0 + 15 * MIN }]);
  });

  it("deletes what retention no longer keeps and nothing else", async () => {
    const day = 86_400_000;
    const now = T0 + 20 * day;
    await store.writeSamples([{ labels: { __name__: "retention_probe", device: "r5" }, samples: [{ timestampMs: now - 15 * day, value: 1 }, { timestampMs: now - day, value: 2 }] }]);
    const { deleted } = await store.applyRetention(now, { rawDays: 14, fiveMinuteDays: 400, hourlyDays: 1825 });
    expect(deleted).toBeGreaterThanOrEqual(1);
    const raw = await store.querySeries({ metric: "retention_probe", fromMs: now - 16 * day, toMs: now - 16 * day + 2 * 86_400_000, stepMs: 60_000, aggregation: "last" });
    expect(raw[0]?.points).toEqual([]);
    const fine = await store.querySeries({ metric: "retention_probe", fromMs: now - 16 * day, toMs: now, stepMs: 3_600_000 * 24, aggregation: "max" });
    expect(fine[0]?.points.map((p) => p.value)).toEqual([1, 2]); // rollups outlive the raw samples
    await store.applyRetention(now + 400 * day, { rawDays: 14, fiveMinuteDays: 400, hourlyDays: 1825 });
    const later = await store.querySeries({ metric: "retention_probe", fromMs: now - 16 * day, toMs: now, stepMs: 5 * 60_000, aggregation: "max" });
    expect(later[0]?.points).toEqual([]);
  });

  it("merges a rollup row already there when closing its bucket, instead of failing every closing step", async () => {
    const [wm] = await backend.exec("SELECT watermark FROM rollup_watermarks WHERE resolution = '5m'");
    const bucket = Number(wm?.watermark) + 5 * MIN;
    await store.writeSamples([{ labels: { __name__: "stray_probe", device: "r7" }, samples: [{ timestampMs: bucket + MIN, value: 10 }] }]);
    const [series] = await backend.exec("SELECT id FROM series WHERE metric = 'stray_probe'");
    // Never written by the store itself (nothing exists at or after a watermark), but a closing step must survive it.
    await backend.exec(`INSERT INTO rollup_5m (series_id, bucket, min, max, sum, count, last, last_ts) VALUES (${Number(series?.id)}, ${bucket}, 4, 4, 4, 1, 4, ${bucket})`);
    await store.flushRollups(bucket + 10 * MIN);
    const [r] = await store.querySeries({ metric: "stray_probe", fromMs: bucket, toMs: bucket + 5 * MIN, stepMs: 5 * MIN, aggregation: "avg" });
    expect(r?.points).toEqual([{ ts: bucket, value: 7 }]);
    const [after] = await backend.exec("SELECT watermark FROM rollup_watermarks WHERE resolution = '5m'");
    expect(Number(after?.watermark)).toBeGreaterThan(bucket);
  });

  it("answers ping", async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}

describe("store repository on SQLite", () => suite(sqliteBackend));
describeWithPostgres(pgProblem, "store repository on PostgreSQL", () => suite(postgresBackend));
