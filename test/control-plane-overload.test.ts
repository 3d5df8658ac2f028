import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REMOTE_WRITE_HEADERS, encodeWriteRequest } from "../protocol/remote-write.codec.ts";
import { startHarness, type Harness } from "./control-plane-harness.ts";

/** Overload over real HTTP: when the writer queue is full, ingest answers 429 with Retry-After and stores nothing. */
describe("control plane under overload", () => {
  let h: Harness;
  beforeAll(async () => {
    // A queue of zero: every batch finds the writer "full", which is what a flood looks like.
    h = await startHarness("127.50.0.5", "sqlite", { ingestPolicy: { maxPendingWrites: 0, retryAfterSeconds: 3 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers 429 with Retry-After for samples and events, counts them, and stores nothing", async () => {
    const now = Date.now();
    const rw = await fetch(`${h.url}/api/v1/ingest/remote-write`, {
      method: "POST",
      headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${h.agentToken}` },
      body: Buffer.from(encodeWriteRequest([{ labels: { __name__: "sysUpTime", device: "core-1" }, samples: [{ value: 1, timestampMs: now }] }])),
    });
    expect(rw.status).toBe(429);
    expect(rw.headers.get("retry-after")).toBe("3");
    const ev = await fetch(`${h.url}/api/v1/ingest/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${h.agentToken}` },
      body: JSON.stringify({ events: [{ id: "overload-000001", ts: now, kind: "trap", type: "linkDown", severity: "major", security: false, agent: "agent-1", message: "x", attributes: {} }] }),
    });
    expect(ev.status).toBe(429);
    expect(ev.headers.get("retry-after")).toBe("3");
    const auth = { headers: { authorization: `Bearer ${h.agentToken}` } };
    expect(((await (await fetch(`${h.url}/api/v1/latest?metric=sysUpTime`, auth)).json()) as { values: unknown[] }).values).toEqual([]);
    expect(((await (await fetch(`${h.url}/api/v1/events`, auth)).json()) as { events: unknown[] }).events).toEqual([]);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/cityplane_ingest_batches_total\{kind="samples",result="overloaded"\} 1/);
    expect(metrics).toMatch(/cityplane_ingest_batches_total\{kind="events",result="overloaded"\} 1/);
  });
});
