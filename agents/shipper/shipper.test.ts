import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CityEvent } from "../../protocol/event.schema.ts";
import { decodeWriteRequest, type Sample } from "../../protocol/remote-write.codec.ts";
import type { Clock } from "./clock.ts";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryQueue, type RecordQueue } from "./record-queue.ts";
import { Shipper } from "./shipper.ts";
import { faultyFs, type Faults } from "./spool-fault-fs.ts";
import { Spool } from "./spool.ts";

/** What the ingest endpoint saw. */
interface Seen {
  path: string;
  auth: string | undefined;
  encoding: string | undefined;
  body: Buffer;
  status: number;
  /** The test clock's time when the request arrived. */
  at: number;
}

/**
 * A real HTTP ingest stand-in answering from a script (one status per request, last one
 * repeats); with `acceptToken` set, any other bearer token is answered 401 first, as the
 * control plane does.
 */
class IngestServer {
  readonly seen: Seen[] = [];
  script: { status: number; headers?: Record<string, string>; body?: string }[] = [{ status: 200 }];
  acceptToken: string | undefined;
  now: () => number = () => 0;
  private server: Server = createServer((req, res) => void this.handle(req, res));
  url = "";

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.40.0.1", resolve));
    this.url = `http://127.40.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  private async handle(req: IncomingMessage, res: import("node:http").ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const refused = this.acceptToken !== undefined && req.headers.authorization !== `Bearer ${this.acceptToken}`;
    const step = refused ? { status: 401, body: '{"error":{"code":"unauthorized","message":"a valid bearer token is required"}}' } : this.script.length > 1 ? (this.script.shift() as (typeof this.script)[number]) : this.script[0]!;
    this.seen.push({ path: req.url ?? "", auth: req.headers.authorization, encoding: req.headers["content-encoding"], body: Buffer.concat(chunks), status: step.status, at: this.now() });
    res.writeHead(step.status, step.headers).end(step.body);
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A clock whose sleeps are recorded and end at the next turn of the event loop, so back-off is
 * asserted without waiting (a macrotask, so a retry loop cannot starve the HTTP server).
 */
function fakeClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 1_700_000_000_000, sleep: (ms) => new Promise((resolve) => setImmediate(() => resolve(void sleeps.push(ms)))) };
}

const sample = (i: number): Sample => ({ name: "ifHCInOctets", labels: { device: "dn-core-01", ifName: `Gi0/${i}` }, value: i * 10, timestampMs: 1_700_000_000_000 + i });
const trap: CityEvent = { id: "trap-000001", ts: 1_700_000_000_000, kind: "trap", type: "linkDown", severity: "major", security: false, agent: "agent-1", message: "link down", attributes: {} };

const server = new IngestServer();
let shipper: Shipper | undefined;
beforeAll(() => server.listen());
afterAll(() => server.close());
/** Scratch directories made by the running test, removed after it. */
const scratch: string[] = [];
afterEach(async () => {
  await shipper?.stop();
  shipper = undefined;
  server.seen.length = 0;
  server.acceptToken = undefined;
  server.now = () => 0;
  await Promise.all(scratch.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cityplane-shipper-"));
  scratch.push(dir);
  return dir;
}

function makeShipper(clock: Clock): Shipper {
  return new Shipper({
    url: server.url,
    token: "canary-token-7f3a",
    spoolDir: "unused",
    maxSpoolBytes: 1 << 20,
    batchMaxSamples: 100,
    flushIntervalMs: 50,
    clock,
    random: () => 0.5,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    stopTimeoutMs: 200,
    openQueue: async (onDrop) => new MemoryQueue(1 << 20, onDrop),
  });
}

async function counter(s: Shipper, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await s.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe("Shipper delivery against a real HTTP ingest", () => {
  const cases = [
    { name: "500 then 200: resent with doubling back-off", script: [500, 500, 500, 200], headers: undefined, requests: 4, sleeps: [750, 1500, 3000], shipped: 3, dropped: 0 },
    { name: "400: never resent, counted as dropped", script: [400, 200], headers: undefined, requests: 1, sleeps: [], shipped: 0, dropped: 3 },
    { name: "429 with Retry-After: waits what the server asked", script: [429, 200], headers: { "retry-after": "7" }, requests: 2, sleeps: [7000], shipped: 3, dropped: 0 },
    { name: "503 with an HTTP-date Retry-After", script: [503, 200], headers: { "retry-after": new Date(1_700_000_000_000 + 12_000).toUTCString() }, requests: 2, sleeps: [12_000], shipped: 3, dropped: 0 },
    { name: "401 then 403: kept, paused 5–10 s then doubling, delivered once the token is accepted", script: [401, 403, 200], headers: undefined, requests: 3, sleeps: [7500, 15_000], shipped: 3, dropped: 0 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      server.script = c.script.map((status, i) => ({ status, headers: i === 0 ? c.headers : undefined }));
      const clock = fakeClock();
      shipper = makeShipper(clock);
      await shipper.start();
      shipper.samples([sample(1), sample(2), sample(3)]);
      await shipper.flush();
      await vi.waitFor(async () => {
        expect(server.seen.length).toBe(c.requests);
        expect((await counter(shipper!, "cityplane_agent_shipped_samples_total")) + (await counter(shipper!, "cityplane_agent_dropped_samples_total", { reason: "rejected" }))).toBe(3);
      });
      // Every attempt carried the same remote-write body, with the token.
      for (const s of server.seen) {
        expect(s.path).toBe("/api/v1/ingest/remote-write");
        expect(s.auth).toBe("Bearer canary-token-7f3a");
        expect(s.encoding).toBe("snappy");
        expect(s.body.equals(server.seen[0]!.body)).toBe(true);
      }
      const series = decodeWriteRequest(server.seen[0]!.body, { maxDecodedBytes: 1 << 20 });
      expect(series.map((t) => t.labels.ifName)).toEqual(["Gi0/1", "Gi0/2", "Gi0/3"]);
      expect(clock.sleeps).toEqual(c.sleeps);
      expect(await counter(shipper, "cityplane_agent_shipped_samples_total")).toBe(c.shipped);
      expect(await counter(shipper, "cityplane_agent_dropped_samples_total", { reason: "rejected" })).toBe(c.dropped);
      expect(await counter(shipper, "cityplane_agent_ship_errors_total", { status: String(c.script[0]) })).toBe(c.script.filter((s) => s === c.script[0]).length);
    });
  }

  it("sends events as JSON to the events endpoint, traps ahead of queued samples", async () => {
    server.script = [{ status: 200 }];
    shipper = makeShipper(fakeClock());
    await shipper.start();
    shipper.samples([sample(1)]);
    shipper.events([trap]);
    await shipper.flush();
    await vi.waitFor(() => expect(server.seen.length).toBe(2));
    expect(server.seen.map((s) => s.path)).toEqual(["/api/v1/ingest/events", "/api/v1/ingest/remote-write"]);
    expect(JSON.parse(server.seen[0]!.body.toString())).toEqual({ events: [trap] });
    expect(await counter(shipper, "cityplane_agent_shipped_events_total")).toBe(1);
  });

  it("a batch the queue refuses for good is counted and let go; later batches still flow", async () => {
    server.script = [{ status: 200 }];
    shipper = new Shipper({ url: server.url, token: "t0k3n", spoolDir: "unused", maxSpoolBytes: 400, batchMaxSamples: 100, clock: fakeClock(), openQueue: async (d) => new MemoryQueue(400, d) });
    await shipper.start();
    shipper.samples(Array.from({ length: 100 }, (_, i) => sample(i)));
    await shipper.flush();
    shipper.samples([sample(7)]);
    await shipper.flush();
    await vi.waitFor(() => expect(server.seen.length).toBe(1));
    expect(await counter(shipper, "cityplane_agent_dropped_samples_total", { reason: "too_large" })).toBe(100);
    expect(decodeWriteRequest(server.seen[0]!.body, { maxDecodedBytes: 1 << 20 }).map((t) => t.labels.ifName)).toEqual(["Gi0/7"]);
  });

  it("while the queue cannot write, memory holds the newest samples up to its bound and counts the rest", async () => {
    server.script = [{ status: 200 }];
    let failing = true;
    const inner = new MemoryQueue(1 << 20);
    const flaky: RecordQueue = {
      append: (lane, count, body) => (failing ? Promise.reject(new Error("EIO: injected")) : inner.append(lane, count, body)),
      next: () => inner.next(),
      ack: (r) => inner.ack(r),
      get bytes() {
        return inner.bytes;
      },
      close: () => inner.close(),
    };
    shipper = new Shipper({ url: server.url, token: "t0k3n", spoolDir: "unused", maxSpoolBytes: 1 << 20, batchMaxSamples: 1000, maxBufferedSamples: 100, clock: fakeClock(), openQueue: async () => flaky });
    await shipper.start();
    for (let i = 0; i < 250; i += 50) shipper.samples(Array.from({ length: 50 }, (_, j) => sample(i + j)));
    await shipper.flush();
    expect(await counter(shipper, "cityplane_agent_dropped_samples_total", { reason: "buffer_full" })).toBe(150);
    failing = false;
    await shipper.flush();
    await vi.waitFor(() => expect(server.seen.length).toBe(1));
    const names = decodeWriteRequest(server.seen[0]!.body, { maxDecodedBytes: 1 << 20 }).map((t) => t.labels.ifName);
    expect(names).toEqual(Array.from({ length: 100 }, (_, i) => `Gi0/${150 + i}`));
  });

  it("keeps retrying while the control plane is unreachable, and delivers when it returns", async () => {
    const clock = fakeClock();
    let down = true;
    const flaky: typeof fetch = (input, init) => (down ? Promise.reject(new TypeError("fetch failed")) : fetch(input, init));
    shipper = new Shipper({ url: server.url, token: "t0k3n", spoolDir: "unused", maxSpoolBytes: 1 << 20, clock, random: () => 0, fetch: flaky, openQueue: async (d) => new MemoryQueue(1 << 20, d) });
    await shipper.start();
    shipper.samples([sample(1)]);
    await shipper.flush();
    await vi.waitFor(() => expect(clock.sleeps.length).toBeGreaterThanOrEqual(5));
    down = false;
    await vi.waitFor(() => expect(server.seen.length).toBe(1));
    expect(await counter(shipper, "cityplane_agent_ship_errors_total", { status: "network" })).toBeGreaterThanOrEqual(5);
    // The back-off cap doubles and stops at maxMs (60 s by default).
    expect(clock.sleeps.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
  });
});

describe("Shipper options", () => {
  const bad: { name: string; opts: { url?: string; token?: string; maxSpoolBytes?: number }; error: RegExp }[] = [
    { name: "empty token", opts: { token: "" }, error: /token is empty or holds characters/ },
    { name: "token with a newline", opts: { token: "abc\ndef" }, error: /token is empty or holds characters/ },
    { name: "relative URL", opts: { url: "/api" }, error: /Invalid URL/ },
    { name: "zero spool", opts: { maxSpoolBytes: 0 }, error: /maxSpoolBytes must be positive/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name} with a clear error that does not echo the token`, () => {
      const make = () => new Shipper({ url: "http://127.40.0.1:9", token: "t0k3n", spoolDir: "unused", maxSpoolBytes: 1024, ...c.opts });
      expect(make).toThrow(c.error);
      try {
        make();
      } catch (err) {
        if (c.opts.token) expect((err as Error).message).not.toContain(c.opts.token);
      }
    });
  }
});

describe("Shipper with its disk spool", () => {
  it("persists what the control plane did not take at stop, and delivers it after a restart", async () => {
    const dir = await scratchDir();
    const offline: typeof fetch = () => Promise.reject(new TypeError("fetch failed"));
    const first = new Shipper({ url: server.url, token: "t0k3n", spoolDir: dir, maxSpoolBytes: 1 << 20, batchMaxSamples: 2, clock: fakeClock(), fetch: offline, stopTimeoutMs: 100 });
    await first.start();
    first.samples([sample(1), sample(2), sample(3)]);
    first.events([trap]);
    await first.stop();
    expect(server.seen.length).toBe(0);

    server.script = [{ status: 200 }];
    shipper = new Shipper({ url: server.url, token: "t0k3n", spoolDir: dir, maxSpoolBytes: 1 << 20, clock: fakeClock() });
    await shipper.start();
    await vi.waitFor(() => expect(server.seen.length).toBe(3));
    const ifNames = server.seen.filter((s) => s.path.endsWith("remote-write")).flatMap((s) => decodeWriteRequest(s.body, { maxDecodedBytes: 1 << 20 }).map((t) => t.labels.ifName));
    expect(ifNames).toEqual(["Gi0/1", "Gi0/2", "Gi0/3"]);
    expect(server.seen[0]?.path).toBe("/api/v1/ingest/events");
    expect(await counter(shipper, "cityplane_agent_shipped_samples_total")).toBe(3);
  });

  it("keeps samples in memory while the spool cannot write (ENOSPC), then spools and delivers them", async () => {
    const dir = await scratchDir();
    const faults: Faults = {};
    server.script = [{ status: 200 }];
    shipper = new Shipper({
      url: server.url,
      token: "t0k3n",
      spoolDir: dir,
      maxSpoolBytes: 1 << 20,
      clock: fakeClock(),
      openQueue: (onDrop) => Spool.open({ dir, maxBytes: 1 << 20, onDrop, fs: faultyFs(faults) }),
    });
    await shipper.start();
    faults.writeError = "ENOSPC";
    shipper.samples([sample(1)]);
    await shipper.flush();
    expect(server.seen.length).toBe(0);
    await shipper.flush();
    await vi.waitFor(() => expect(server.seen.length).toBe(1));
    expect(await counter(shipper, "cityplane_agent_dropped_samples_total")).toBe(0);
  });
});

/** A clock whose sleeps end at the next turn of the event loop and move its time forward by what was slept. */
function virtualClock(): Clock {
  let t = 1_700_000_000_000;
  return { now: () => t, sleep: (ms) => new Promise((resolve) => setImmediate(() => resolve(void (t += ms)))) };
}

/** Every sample of every accepted remote-write request, in arrival order, as "ifName@timestamp". */
function acceptedSamples(): string[] {
  return server.seen
    .filter((s) => s.status === 200 && s.path.endsWith("remote-write"))
    .flatMap((s) => decodeWriteRequest(s.body, { maxDecodedBytes: 1 << 20 }).flatMap((t) => t.samples.map((x) => `${t.labels.ifName}@${x.timestampMs}`)));
}

/** Samples ("ifName@timestamp") grouped by series, each series in its order. */
function bySeries(samples: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of samples) (out[s.split("@")[0]!] ??= []).push(s);
  return out;
}

const seriesSample = (series: number, t: number): Sample => ({ name: "ifHCInOctets", labels: { device: "dn-core-01", ifName: `Gi0/${series}` }, value: t, timestampMs: 1_700_000_000_000 + t * 1000 });
const event = (i: number, kind: "trap" | "syslog"): CityEvent => ({ ...trap, id: `${kind}-${i}`, kind, type: kind === "trap" ? "linkDown" : "interface-state", message: `event ${i}` });

describe("Shipper when the control plane refuses the agent's token (ADR 0008)", () => {
  it("keeps everything while refused, logs once, re-reads the token file, then delivers each sample and event once, in order", async () => {
    const dir = await scratchDir();
    const tokenFile = join(dir, "agent.token");
    await writeFile(tokenFile, "old-token-1c9e\n");
    server.acceptToken = "new-token-77d2";
    const clock = virtualClock();
    server.now = clock.now;
    const logs: string[] = [];
    shipper = new Shipper({
      url: server.url,
      token: "old-token-1c9e",
      reloadToken: { from: "controlPlane.tokenFile agent.token", read: () => readFile(tokenFile, "utf8") },
      spoolDir: "unused",
      maxSpoolBytes: 1 << 20,
      batchMaxSamples: 10,
      clock,
      random: () => 0.5,
      logger: { warn: (_f, m) => logs.push(m), info: (_f, m) => logs.push(m) },
      openQueue: async (onDrop) => new MemoryQueue(1 << 20, onDrop),
    });
    await shipper.start();
    // Three series, twenty samples each, fed in six batches; two traps and three syslog events between them.
    const sent: string[] = [];
    for (let t = 0; t < 20; t++) {
      shipper.samples([0, 1, 2].map((series) => seriesSample(series, t)));
      for (const series of [0, 1, 2]) sent.push(`Gi0/${series}@${1_700_000_000_000 + t * 1000}`);
      if (t % 4 === 0) shipper.events([event(t, t % 8 === 0 ? "trap" : "syslog")]);
      if (t % 4 === 3) await shipper.flush();
    }
    await shipper.flush();

    await vi.waitFor(async () => expect(await counter(shipper!, "cityplane_agent_ship_auth_failures_total", { status: "401" })).toBeGreaterThanOrEqual(5));
    expect(await counter(shipper, "cityplane_agent_ship_blocked_on_auth")).toBe(1);
    expect(await counter(shipper, "cityplane_agent_shipped_samples_total")).toBe(0);
    expect(await counter(shipper, "cityplane_agent_dropped_samples_total")).toBe(0);
    expect(await counter(shipper, "cityplane_agent_dropped_events_total")).toBe(0);
    // One line for the whole streak, naming the endpoint, the status and where a new token is read from.
    expect(logs).toEqual([
      `shipper: ${server.url}/api/v1/ingest/events refused the agent's token (HTTP 401); delivery paused, collected data kept in the spool until a token is accepted (write the new token to controlPlane.tokenFile agent.token: it is re-read every 5 s)`,
    ]);
    // The same record is tried again after 7.5 s, then doubling, capped (random 0.5 → 3/4 of each cap).
    const refused = server.seen.filter((s) => s.status === 401);
    expect(refused.slice(1, 5).map((s, i) => s.at - refused[i]!.at)).toEqual([7500, 15_000, 30_000, 45_000]);
    expect(new Set(refused.map((s) => s.body.toString())).size).toBe(1);

    // Rotation: a half-written file first (the current token is kept, said once), then the new token.
    await writeFile(tokenFile, "");
    await vi.waitFor(() => expect(logs.filter((l) => l.includes("cannot use the token"))).toHaveLength(1));
    await writeFile(tokenFile, "new-token-77d2\n");
    await vi.waitFor(async () => {
      expect(await counter(shipper!, "cityplane_agent_shipped_samples_total")).toBe(60);
      expect(await counter(shipper!, "cityplane_agent_shipped_events_total")).toBe(5);
    });
    expect(await counter(shipper, "cityplane_agent_ship_blocked_on_auth")).toBe(0);
    expect(logs.slice(-2)).toEqual([
      "shipper: read a new token from controlPlane.tokenFile agent.token; trying it",
      expect.stringMatching(new RegExp(`^shipper: ${server.url}/api/v1/ingest/events accepts the agent's token; delivery resumed after \\d+ s$`)),
    ]);
    const accepted = server.seen.filter((s) => s.status === 200);
    expect(new Set(accepted.map((s) => s.auth))).toEqual(new Set(["Bearer new-token-77d2"]));
    // Each sample exactly once, and per series in the order collected.
    const got = acceptedSamples();
    expect(got).toHaveLength(60);
    expect(bySeries(got)).toEqual(bySeries(sent));
    const ids = accepted.filter((s) => s.path.endsWith("events")).flatMap((s) => (JSON.parse(s.body.toString()) as { events: CityEvent[] }).events.map((e) => e.id));
    expect(ids).toEqual(["trap-0", "trap-8", "trap-16", "syslog-4", "syslog-12"]);
  });

  it("while refused, a full spool drops the oldest samples, never the trap; the rest goes once the server takes the token again", async () => {
    // The server was given another token for this agent; the agent still has the old one. Room for the trap and three batches.
    server.acceptToken = "t0k3n-other";
    const logs: string[] = [];
    shipper = new Shipper({ url: server.url, token: "t0k3n-restored", spoolDir: "unused", maxSpoolBytes: 600, batchMaxSamples: 10, clock: fakeClock(), random: () => 0, logger: { warn: (_f, m) => logs.push(m) }, openQueue: async (d) => new MemoryQueue(600, d) });
    await shipper.start();
    shipper.events([trap]);
    const sent: string[] = [];
    for (let t = 0; t < 40; t++) {
      shipper.samples([0, 1].map((series) => seriesSample(series, t)));
      for (const series of [0, 1]) sent.push(`Gi0/${series}@${1_700_000_000_000 + t * 1000}`);
      if (t % 5 === 4) await shipper.flush();
    }
    await vi.waitFor(async () => expect(await counter(shipper!, "cityplane_agent_ship_auth_failures_total", { status: "401" })).toBeGreaterThanOrEqual(2));
    const dropped = await counter(shipper, "cityplane_agent_dropped_samples_total", { reason: "spool_full" });
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(80);
    // The operator puts the agent's token back on the server: delivery resumes by itself.
    server.acceptToken = "t0k3n-restored";
    await vi.waitFor(async () => expect(await counter(shipper!, "cityplane_agent_shipped_samples_total")).toBe(80 - dropped));
    expect(await counter(shipper, "cityplane_agent_shipped_events_total")).toBe(1);
    expect(await counter(shipper, "cityplane_agent_dropped_events_total")).toBe(0);
    // What was delivered is the newest samples, each once, in order; the token is fixed for this run.
    expect(bySeries(acceptedSamples())).toEqual(bySeries(sent.slice(dropped)));
    expect(logs[0]).toMatch(/refused the agent's token \(HTTP 401\).*the token is fixed for this run: restart the agent with the new one\)$/);
  });

  it("other 4xx are still dropped and counted, with the server's reason in the log; later batches flow", async () => {
    server.script = [
      { status: 400, body: '{"error":{"code":"bad_batch","message":"series 1: sample timestamp\\r\\nis not finite"}}' },
      { status: 413, body: "Request Entity Too Large" },
      { status: 200 },
    ];
    const logs: string[] = [];
    shipper = new Shipper({ url: server.url, token: "t0k3n", spoolDir: "unused", maxSpoolBytes: 1 << 20, batchMaxSamples: 1, clock: fakeClock(), logger: { warn: (_f, m) => logs.push(m) }, openQueue: async (d) => new MemoryQueue(1 << 20, d) });
    await shipper.start();
    shipper.samples([sample(1), sample(2), sample(3)]);
    await shipper.flush();
    await vi.waitFor(() => expect(server.seen).toHaveLength(3));
    expect(await counter(shipper, "cityplane_agent_dropped_samples_total", { reason: "rejected" })).toBe(2);
    expect(await counter(shipper, "cityplane_agent_shipped_samples_total")).toBe(1);
    expect(await counter(shipper, "cityplane_agent_ship_auth_failures_total")).toBe(0);
    expect(logs).toEqual([
      `shipper: ${server.url}/api/v1/ingest/remote-write refused a batch of 1 samples (HTTP 400: bad_batch: series 1: sample timestamp is not finite); dropped`,
      `shipper: ${server.url}/api/v1/ingest/remote-write refused a batch of 1 samples (HTTP 413: Request Entity Too Large); dropped`,
    ]);
    expect(acceptedSamples()).toEqual(["Gi0/3@1700000000003"]);
  });
});
