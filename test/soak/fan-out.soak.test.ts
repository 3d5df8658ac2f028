import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTypeScriptChild, type BoundedChild } from "../../bench/lib/bounded-child.ts";
import { REMOTE_WRITE_HEADERS, encodeWriteRequest, type TimeSeries } from "../../protocol/remote-write.codec.ts";
import { startHarness, type Harness } from "../control-plane-harness.ts";
import type { ClientsPlan, ClientsResult } from "./console-clients.main.ts";

/**
 * RELIABILITY.md's fan-out row, soak scale: 1,000 `/console` clients (in their own process, as
 * browsers are) subscribed to "events" while the control plane (SQLite) ingests at city rate,
 * taken here as the 100,000 interfaces a minute at about six samples each: 10,000
 * samples/s, as a 1,000-sample remote-write batch every 100 ms. Five events a second are posted
 * through the ingest API; each is timed from just before its POST to its receipt by each client.
 */
const HOST = "127.71.4.1";
const CLIENTS = 1000;
const SECONDS = 60;
const EVENTS_PER_SECOND = 5;
const BATCH_SAMPLES = 1000;
const BATCH_EVERY_MS = 100;
const MAX_IN_FLIGHT = 8;

describe("fan-out: 1,000 console clients under city-rate ingest", () => {
  let h: Harness;
  let clients: BoundedChild | undefined;
  beforeAll(async () => {
    h = await startHarness(HOST, "sqlite");
  });
  afterAll(async () => {
    await clients?.stop();
    await h?.close();
  });

  it("delivers every event to every client, broadcast p95 under 250 ms", { timeout: (SECONDS + 140) * 1000 }, async () => {
    const login = await fetch(`${h.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: h.adminPassword }) });
    expect(login.status).toBe(200);
    const { token: sessionToken } = (await login.json()) as { token: string };
    const marker = `fanout-${Date.now().toString(36)}-`;
    const events = SECONDS * EVENTS_PER_SECOND;
    const plan: ClientsPlan = { url: h.url, sessionToken, clients: CLIENTS, marker, events, deadlineMs: (SECONDS + 30) * 1000 };
    clients = await startTypeScriptChild(new URL("./console-clients.main.ts", import.meta.url), { args: [JSON.stringify(plan)], lifetimeMs: (SECONDS + 135) * 1000 });
    const done = clients.waitForLine(/^done /, (SECONDS + 130) * 1000);
    done.catch(() => undefined); // awaited below; a failure before then is reported by the await on "ready"
    await clients.waitForLine(/^ready$/, 60_000);

    const auth = { authorization: `Bearer ${h.agentToken}` };
    const started = performance.now();
    const until = started + SECONDS * 1000;
    let ackedSamples = 0;
    let refusedBatches = 0;
    // Batches go out on the clock, as from many agents: up to MAX_IN_FLIGHT at once, so one
    // slow acknowledgement does not hold the next batch back.
    const ingest = async (): Promise<void> => {
      const inFlight = new Set<Promise<void>>();
      for (let b = 0; performance.now() < until; b++) {
        const due = started + b * BATCH_EVERY_MS;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        const now = Date.now();
        const series: TimeSeries[] = Array.from({ length: BATCH_SAMPLES / 10 }, (_, s) => ({
          labels: { __name__: "ifHCInOctets", device: `access-${s % 20}`, ifName: `Gi0/${s}` },
          samples: Array.from({ length: 10 }, (_, j) => ({ value: b * 10 + j, timestampMs: now - (9 - j) * 10 })),
        }));
        const p = fetch(`${h.url}/api/v1/ingest/remote-write`, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, ...auth }, body: Buffer.from(encodeWriteRequest(series)) }).then(
          (r) => {
            if (r.status === 204) ackedSamples += BATCH_SAMPLES;
            else refusedBatches++;
          },
          () => void refusedBatches++,
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await Promise.all(inFlight);
    };
    const post = async (): Promise<void> => {
      for (let i = 0; i < events; i++) {
        const due = started + (i * 1000) / EVENTS_PER_SECOND;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        const event = { id: `${marker}${i}`, ts: Date.now(), kind: "trap", type: "linkDown", severity: "major", security: false, agent: "agent-1", message: `fan-out ${i}`, attributes: {} };
        const r = await fetch(`${h.url}/api/v1/ingest/events`, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ events: [event] }) });
        expect(r.status, `event ${i}`).toBe(200);
      }
    };
    await Promise.all([ingest(), post()]);
    const seconds = (performance.now() - started) / 1000;
    const result = JSON.parse((await done).slice("done ".length)) as ClientsResult;
    console.info(`fan-out: ${CLIENTS} clients, ${events} events in ${seconds.toFixed(1)} s; received ${result.received}/${result.expected}, p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; ingest ${Math.round(ackedSamples / seconds)} samples/s acknowledged (${refusedBatches} batches refused); control plane RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB`);
    expect(result.disconnected).toBe(0);
    expect(result.received).toBe(result.expected);
    expect(refusedBatches).toBe(0);
    // City rate held: a slow ingest would make the fan-out look better than it is.
    expect(ackedSamples / seconds).toBeGreaterThan(0.9 * (BATCH_SAMPLES * 1000) / BATCH_EVERY_MS);
    expect(result.p95Ms).toBeLessThan(250);
  });
});
