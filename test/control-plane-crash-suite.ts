import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REMOTE_WRITE_HEADERS, encodeWriteRequest, type TimeSeries } from "../protocol/remote-write.codec.ts";
import { issueAgentToken } from "../services/auth/agent-tokens.ts";
import { createTestDatabase } from "../services/store/postgres-test-database.ts";
import { freeTcpPort } from "./peers.ts";

/**
 * RELIABILITY.md promises 1 and 2 on the HTTP side: an agent-like client streams batches to a
 * real `cityplane server` process, which is SIGKILLed mid-stream twice and restarted on
 * the same dataDir; the client then resends everything not acknowledged (and, to prove
 * replays harmless, everything else too). Every acknowledged sample must be there, once.
 */
const SAMPLES_PER_BATCH = 10;

/**
 * The kill -9 suite against one backend, its server on `host`; call inside a describe. CI kills
 * twice; the soak tier (test/soak/) twenty times.
 */
export function crashSuite(backend: "sqlite" | "postgres", host: string, kills = 2): void {
  const HOST = host;
  let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let dataDir: string;
  let port: number;
  let token: string;
  let server: ChildProcess | undefined;
  const base = Date.now() - 20 * 60_000;

  const batch = (i: number): TimeSeries[] => [
    { labels: { __name__: "crash_probe_total", device: "core-1", batch: String(i) }, samples: Array.from({ length: SAMPLES_PER_BATCH }, (_, j) => ({ value: i * 100 + j, timestampMs: base + j * 1000 })) },
  ];
  const url = () => `http://${HOST}:${port}`;

  async function startServer(): Promise<void> {
    server = spawn(process.execPath, ["bin/cityplane.js", "server"], {
      env: { ...process.env, CITYPLANE_DATA_DIR: dataDir, CITYPLANE_HOST: HOST, CITYPLANE_PORT: String(port), CITYPLANE_INVENTORY: "test/fixtures/inventory/valid-minimal.yaml", CITYPLANE_LOG_LEVEL: "warn", ...(pg ? { CITYPLANE_DATABASE_URL: pg.url } : {}) },
      stdio: "ignore",
    });
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${url()}/readyz`)).ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("server did not become ready");
  }

  async function kill9(): Promise<void> {
    const s = server!;
    const exited = new Promise((r) => s.once("exit", r));
    s.kill("SIGKILL");
    await exited;
    server = undefined;
  }

  const send = (i: number) => fetch(`${url()}/api/v1/ingest/remote-write`, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${token}` }, body: Buffer.from(encodeWriteRequest(batch(i))) });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "cityplane-crash-"));
    token = await issueAgentToken(dataDir, "agent-1");
    if (backend === "postgres") pg = await createTestDatabase("cp_crash");
    port = await freeTcpPort(HOST);
  });
  afterAll(async () => {
    if (server) await kill9();
    rmSync(dataDir, { recursive: true, force: true });
    await pg?.drop();
  });

  // Each server start costs a few seconds of module loading on a busy machine: 60 s for CI's two
  // kills, 10 s more a kill beyond (the soak tier's twenty took 45–126 s here under load).
  it(`keeps every acknowledged sample exactly once across ${kills === 2 ? "two" : kills} SIGKILLs`, { timeout: 40_000 + 10_000 * kills }, async () => {
    const acked = new Set<number>();
    let next = 0;
    for (let round = 0; round < kills; round++) {
      await startServer();
      // Several batches in flight at once, then SIGKILL while they are being written — once this
      // round has had at least one acknowledgement, so a slow machine cannot make the kill land
      // before anything was committed (the test would then prove nothing about acknowledged data).
      const inflight: Promise<void>[] = [];
      // A different point of the stream each round (15, 22, 29, 36, 15, …).
      const killAt = 15 + ((round * 7) % 28);
      let ackedThisRound = 0;
      let firstAck: () => void = () => undefined;
      const acknowledged = new Promise<void>((r) => (firstAck = r));
      let killing: Promise<void> | undefined;
      for (let k = 0; k < 40; k++) {
        const i = next++;
        inflight.push(send(i).then((r) => {
          if (r.status !== 204) return;
          acked.add(i);
          if (++ackedThisRound === 1) firstAck();
        }, () => undefined));
        if (killing === undefined && k >= killAt && ackedThisRound > 0) killing = kill9();
        await new Promise((r) => setImmediate(r));
      }
      if (killing === undefined) {
        await Promise.race([acknowledged, Promise.all(inflight)]);
        killing = kill9();
      }
      await Promise.all([...inflight, killing]);
    }
    // Some batches were acknowledged and some cut off by the kills.
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(next);
    await startServer();
    // The client resends what was not acknowledged — and, here, everything else too.
    for (let i = 0; i < next; i++) expect((await send(i)).status).toBe(204);
    const metrics = await (await fetch(`${url()}/metrics`)).text();
    const duplicates = Number(/cityplane_ingest_duplicates_total (\d+)/.exec(metrics)?.[1]);
    // Every acknowledged batch was already stored, so its resend is all duplicates.
    expect(duplicates).toBeGreaterThanOrEqual(acked.size * SAMPLES_PER_BATCH);

    const r = await fetch(`${url()}/api/v1/series?metric=crash_probe_total&from=${base - 1000}&to=${base + SAMPLES_PER_BATCH * 1000}&step=1s&agg=last`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const { series } = (await r.json()) as { series: { labels: Record<string, string>; points: { ts: number; value: number | null }[] }[] };
    const byBatch = new Map(series.map((s) => [Number(s.labels.batch), s.points.filter((p) => p.value !== null).map((p) => p.value)]));
    expect(byBatch.size).toBe(next);
    for (let i = 0; i < next; i++) {
      expect(byBatch.get(i), `batch ${i}`).toEqual(Array.from({ length: SAMPLES_PER_BATCH }, (_, j) => i * 100 + j));
    }

    // Integrity: a sample ten minutes later makes the probes' buckets close (closing follows the
    // newest sample), then after one more kill the database file is sound and every closed
    // 5-minute rollup counts exactly the raw samples of its bucket (none lost, none twice).
    const db = backend === "postgres" ? { url: pg!.url } : { file: join(dataDir, "cityplane.db") };
    const later: TimeSeries[] = [{ labels: { __name__: "crash_clock", device: "core-1" }, samples: [{ value: 1, timestampMs: base + 10 * 60_000 }] }];
    expect((await fetch(`${url()}/api/v1/ingest/remote-write`, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${token}` }, body: Buffer.from(encodeWriteRequest(later)) })).status).toBe(204);
    for (let i = 0; i < 100 && (await integrity(db, false)).closedBuckets < next; i++) await new Promise((r) => setTimeout(r, 200));
    await kill9();
    const checked = await integrity(db, true);
    expect(checked.sqliteIntegrity ?? "ok").toBe("ok");
    expect(checked.closedBuckets, "closed 5-minute buckets of the probe series").toBeGreaterThanOrEqual(next);
    expect(checked.mismatched, "closed 5-minute buckets whose rollup does not count their raw samples").toEqual([]);
  });
}

/** Closed 5-minute buckets of raw samples beside their rollup rows: those whose count differs or that have none. */
const ROLLUP_CHECK = `
  SELECT raw.series_id, raw.bucket, raw.n, r.count AS rolled
  FROM (SELECT s.series_id, (s.ts / 300000) * 300000 AS bucket, count(*) AS n
        FROM samples s JOIN rollup_watermarks w ON w.resolution = '5m' AND s.ts < w.watermark
        GROUP BY s.series_id, (s.ts / 300000) * 300000) raw
  LEFT JOIN rollup_5m r ON r.series_id = raw.series_id AND r.bucket = raw.bucket`;

async function integrity(db: { file: string } | { url: string }, checkFile: boolean): Promise<{ sqliteIntegrity?: string; closedBuckets: number; mismatched: unknown[] }> {
  let rows: { series_id: unknown; bucket: unknown; n: unknown; rolled: unknown }[];
  let sqliteIntegrity: string | undefined;
  if ("file" in db) {
    const sqlite = new Database(db.file, { readonly: true });
    try {
      if (checkFile) sqliteIntegrity = sqlite.pragma("integrity_check", { simple: true }) as string;
      rows = sqlite.prepare(ROLLUP_CHECK).all() as typeof rows;
    } finally {
      sqlite.close();
    }
  } else {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      rows = (await client.query(ROLLUP_CHECK)).rows as typeof rows;
    } finally {
      await client.end();
    }
  }
  return { ...(sqliteIntegrity !== undefined ? { sqliteIntegrity } : {}), closedBuckets: rows.length, mismatched: rows.filter((r) => r.rolled === null || Number(r.rolled) !== Number(r.n)) };
}
