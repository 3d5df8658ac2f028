import snappy from "snappyjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REMOTE_WRITE_HEADERS, encodeWriteRequest, type TimeSeries } from "../protocol/remote-write.codec.ts";
import type { CityEvent } from "../protocol/event.schema.ts";
import { adminQuery, describeWithPostgres, postgresReachable } from "../services/store/postgres-test-database.ts";
import { startHarness, type Backend, type Harness } from "./control-plane-harness.ts";

const pgProblem = await postgresReachable();

/**
 * The control plane's HTTP surface over real loopback HTTP (fetch), on both stores: ingest
 * (auth, idempotency, bad batches), queries, health, metrics, OpenAPI, sessions.
 */
function suite(backend: Backend, host: string): void {
  let h: Harness;
  const now = Date.now();
  const series = (value: number, device = "core-1"): TimeSeries[] => [
    { labels: { __name__: "ifHCInOctets", device, ifName: "Gi0/0/0" }, samples: [{ value, timestampMs: now - 60_000 }, { value: value + 1000, timestampMs: now - 30_000 }] },
  ];
  const post = (path: string, body: string | Buffer, headers: Record<string, string>) => fetch(`${h.url}${path}`, { method: "POST", body, headers });
  const rw = (body: Uint8Array, token = h.agentToken, extra: Record<string, string> = {}) =>
    post("/api/v1/ingest/remote-write", Buffer.from(body), { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${token}`, ...extra });
  const get = (path: string, token = h.agentToken) => fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const countPoints = async (): Promise<number> => {
    const r = await get(`/api/v1/series?metric=ifHCInOctets&labels=device=core-1&from=${now - 3_600_000}&to=${now + 1000}&step=1s&agg=last`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { series: { points: { value: number | null }[] }[] };
    return body.series.flatMap((s) => s.points.filter((p) => p.value !== null)).length;
  };

  beforeAll(async () => {
    h = await startHarness(host, backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers /healthz and /readyz, and serves the OpenAPI document with the ingest and query routes", async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    const doc = (await (await fetch(`${h.url}/api/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ["/api/v1/ingest/remote-write", "/api/v1/ingest/events", "/api/v1/series", "/api/v1/latest", "/api/v1/entities", "/api/v1/topology"]) expect(Object.keys(doc.paths)).toContain(p);
    expect((await fetch(`${h.url}/api/docs`)).headers.get("content-type")).toMatch(/text\/html/);
  });

  it("stores an acknowledged batch once: a replay changes nothing and is counted as duplicates", async () => {
    const body = encodeWriteRequest(series(5000));
    expect((await rw(body)).status).toBe(204);
    expect(await countPoints()).toBe(2);
    expect((await rw(body)).status).toBe(204);
    expect(await countPoints()).toBe(2);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/cityplane_ingest_samples_total 4/);
    expect(metrics).toMatch(/cityplane_ingest_duplicates_total 2/);
    expect(metrics).toMatch(/cityplane_ingest_batches_total\{kind="samples",result="ok"\} 2/);
    expect(metrics).toMatch(/cityplane_db_operation_duration_seconds_bucket\{le="[^"]+",operation="writeSamples"\}/);
  });

  const badBatches: [string, () => Promise<Response>, number, RegExp][] = [
    ["an unknown token", () => rw(encodeWriteRequest(series(1, "dist-1")), "cpa_not-a-token"), 401, /unknown agent token/],
    ["no token", () => post("/api/v1/ingest/remote-write", Buffer.from(encodeWriteRequest(series(1, "dist-1"))), { ...REMOTE_WRITE_HEADERS }), 401, /bearer token is required/],
    ["a body that is not snappy", () => rw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])), 400, /malformed remote-write body: invalid snappy/],
    ["snappy around bytes that are not protobuf", () => rw(snappy.compress(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))), 400, /malformed remote-write body/],
    ["a body over the limit", () => rw(new Uint8Array(5 * 1024 * 1024)), 413, /larger than this route accepts/],
    ["gzip instead of snappy", () => rw(encodeWriteRequest(series(1, "dist-1")), undefined, { "content-encoding": "gzip" }), 415, /content-encoding must be snappy/],
    ["timestamps an hour ahead", () => rw(encodeWriteRequest([{ labels: { __name__: "ifHCInOctets", device: "dist-1", ifName: "x" }, samples: [{ value: 1, timestampMs: now + 3_600_000 }] }])), 400, /more than 10 minutes in the future/],
  ];
  it.each(badBatches)("refuses %s with a 4xx naming the problem and stores nothing", async (_name, send, status, message) => {
    const r = await send();
    expect(r.status).toBe(status);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(message);
    const latest = (await (await get("/api/v1/latest?metric=ifHCInOctets&labels=device=dist-1")).json()) as { values: unknown[] };
    expect(latest.values).toEqual([]);
  });

  it("takes events idempotently and refuses a bad one naming the field", async () => {
    const neighbours = JSON.stringify([{ localPort: "TenGigabitEthernet0/1/1.101", remoteSystem: "dist-1", remotePort: "GigabitEthernet0/0/0" }]);
    const ev: CityEvent = { id: `ev-${backend}-00000001`, ts: now, kind: "topology", type: "lldp-neighbours", severity: "info", security: false, agent: "agent-1", entity: { kind: "device", name: "core-1" }, message: "core-1 sees 1 LLDP neighbour", attributes: { neighbours, count: 1 } };
    const send = (events: unknown[]) => post("/api/v1/ingest/events", JSON.stringify({ events }), { "content-type": "application/json", authorization: `Bearer ${h.agentToken}` });
    const first = await send([ev]);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ inserted: 1, duplicates: 0 });
    expect(await (await send([ev])).json()).toEqual({ inserted: 0, duplicates: 1 });
    const bad = await send([{ ...ev, id: "x", severity: "loud" }]);
    expect(bad.status).toBe(400);
    const msg = ((await bad.json()) as { error: { message: string } }).error.message;
    expect(msg).toMatch(/events\.0\.id/);
    expect(msg).toMatch(/events\.0\.severity/);
    const unauth = await post("/api/v1/ingest/events", JSON.stringify({ events: [ev] }), { "content-type": "application/json" });
    expect(unauth.status).toBe(401);
    const topo = (await (await get("/api/v1/topology")).json()) as { matched: { link: string }[]; missing: { link: string }[] };
    expect(topo.matched.map((m) => m.link)).toEqual(["metro-quan-1"]);
    expect(topo.missing.map((m) => m.link)).toEqual(["metro-phuong-a"]);
    const events = (await (await get("/api/v1/events?kind=topology")).json()) as { events: CityEvent[] };
    expect(events.events.map((e) => e.id)).toEqual([ev.id]);
  });

  it.each([
    ["metric=ifHCInOctets&step=fast", /step: must be seconds or a duration/],
    ["metric=ifHCInOctets&from=yesterday", /from: must be ms since the epoch/],
    ["metric=ifHCInOctets&agg=median", /agg: /],
    ["metric=if-in&entity=device:core-1", /metric: must be a Prometheus metric name/],
    ["metric=ifHCInOctets&entity=router:core-1", /entity: must be kind:name/],
    ["metric=ifHCInOctets&from=now-30d&step=1s", /points|step/],
    ["metric=sysUpTime&agg=rate", /not a counter/],
  ])("refuses /api/v1/series?%s with a 400 naming the parameter", async (qs, message) => {
    const r = await get(`/api/v1/series?${qs}`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it("shows declared and observed state per device, and requires a token for queries", async () => {
    const r = (await (await get("/api/v1/entities?kind=device")).json()) as { entities: { name: string; observed: { reporting: string } }[] };
    expect(Object.fromEntries(r.entities.map((e) => [e.name, e.observed.reporting]))).toEqual({ "core-1": "reporting", "dist-1": "never", "ar-a": "never", "wlc-1": "never" });
    // Starting to report opened an "up" interval in the store (the basis of availability); a device never heard has none.
    const core = (await (await get("/api/v1/entities/device/core-1")).json()) as { states: { state: string; endMs?: number; reason?: string }[] };
    expect(core.states.map((i) => [i.state, i.endMs, i.reason])).toEqual([["up", undefined, "samples arriving"]]);
    const dist = (await (await get("/api/v1/entities/device/dist-1")).json()) as { states: unknown[] };
    expect(dist.states).toEqual([]);
    expect((await fetch(`${h.url}/api/v1/entities`)).status).toBe(401);
    expect((await get("/api/v1/entities/device/nope")).status).toBe(404);
  });

  it("logs the admin in with the generated password, and not with a wrong one", async () => {
    const login = (password: string) => post("/api/v1/session", JSON.stringify({ username: "admin", password }), { "content-type": "application/json" });
    expect((await login("wrong-password")).status).toBe(401);
    const ok = await login(h.adminPassword);
    expect(ok.status).toBe(200);
    const { token } = (await ok.json()) as { token: string };
    expect((await get("/api/v1/entities?kind=service", token)).status).toBe(200);
    await fetch(`${h.url}/api/v1/session`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect((await get("/api/v1/entities?kind=service", token)).status).toBe(401);
  });

  it.runIf(backend === "postgres")("answers 503 with Retry-After while the database refuses connections, and recovers without a restart", async () => {
    const db = new URL(h.databaseUrl!).pathname.slice(1);
    const body = encodeWriteRequest(series(9000, "ar-a"));
    try {
      await adminQuery(`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC, cityplane_test`);
      await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND pid <> pg_backend_pid()`);
      const refused = await rw(body);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await fetch(`${h.url}/readyz`)).status).toBe(503);
    } finally {
      await adminQuery(`GRANT CONNECT ON DATABASE ${db} TO cityplane_test`);
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 204; i++) {
      status = (await rw(body)).status;
      if (status !== 204) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(204);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/cityplane_ingest_batches_total\{kind="samples",result="unavailable"\} [1-9]/);
  });

  it("serves an honest bilingual status page at /", async () => {
    const entities = (await (await get("/api/v1/entities?kind=device")).json()) as { entities: { observed: { reporting: string } }[] };
    const reporting = entities.entities.filter((e) => e.observed.reporting === "reporting").length;
    expect(reporting).toBeGreaterThan(0);
    const html = await (await fetch(`${h.url}/`)).text();
    expect(html).toContain("Thành phố Thử");
    expect(html).toContain("Devices reporting");
    expect(html).toContain(`id="devices">${reporting} / 4<`);
  });
}

describe("control plane HTTP on SQLite", () => suite("sqlite", "127.50.0.1"));
describeWithPostgres(pgProblem, "control plane HTTP on PostgreSQL", () => suite("postgres", "127.50.0.2"));
