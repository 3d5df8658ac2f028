import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { loadConfig } from "../config/config.ts";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import { REMOTE_WRITE_HEADERS, encodeWriteRequest, type TimeSeries } from "../protocol/remote-write.codec.ts";
import { ensureAdminCredentials } from "../services/auth/admin-credentials.ts";
import { issueAgentToken, loadAgentTokens } from "../services/auth/agent-tokens.ts";
import { buildControlPlane } from "../services/server.ts";
import { openStore } from "../services/store/open-store.ts";
import { managementResolver } from "../services/targets/address-resolver.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";

/**
 * Delivery through the real HTTP and socket.io stack on loopback (SQLite store): remote-write
 * batches of 1,000 samples posted by 4 concurrent agent-like clients (samples/s acknowledged,
 * batch latency p50/p95), then the live fan-out of ingested events to N console sockets
 * (latency from POST to receipt, p95 across all clients).
 */
const HOST = "127.50.9.1";

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "cityplane-bench-delivery-"));
  const cfg = loadConfig({ env: { CITYPLANE_DATA_DIR: dataDir, CITYPLANE_HOST: HOST, CITYPLANE_LOG_LEVEL: "warn" }, cwd: process.cwd() });
  if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
  const store = await openStore({ dataDir });
  const token = await issueAgentToken(dataDir, "bench");
  const admin = await ensureAdminCredentials(dataDir);
  const cp = await buildControlPlane({
    config: cfg.config, store, inventory: await loadInventoryOrThrow("test/fixtures/inventory/valid-minimal.yaml"), resolver: managementResolver,
    agentTokens: await loadAgentTokens(dataDir), admin: admin.stored, logger: false,
  });
  const url = await cp.listen(HOST, 0);
  const sockets: Socket[] = [];
  try {
    // 1. Ingest: 100 series × 10 samples per batch.
    const batches = quick ? 60 : 400;
    const base = Date.now() - 30 * 60_000;
    const body = (b: number): Buffer => {
      const series: TimeSeries[] = Array.from({ length: 100 }, (_, s) => ({
        labels: { __name__: "ifHCInOctets", device: `r${s % 20}`, ifName: `Gi0/${s}` },
        samples: Array.from({ length: 10 }, (_, j) => ({ value: b * 10 + j, timestampMs: base + (b * 10 + j) * 100 })),
      }));
      return Buffer.from(encodeWriteRequest(series));
    };
    const latencies: number[] = [];
    let nextBatch = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (nextBatch < batches) {
        const b = nextBatch++;
        const payload = body(b);
        const t0 = performance.now();
        const r = await fetch(`${url}/api/v1/ingest/remote-write`, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${token}` }, body: payload });
        if (r.status !== 204) throw new Error(`batch ${b}: ${r.status} ${await r.text()}`);
        latencies.push(performance.now() - t0);
      }
    }));
    const seconds = (performance.now() - started) / 1000;

    // 2. Fan-out: N console clients subscribed to "events"; 20 events posted one by one.
    const clients = quick ? 50 : 200;
    for (let i = 0; i < clients; i++) {
      const s = connect(`${url}/console`, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
      sockets.push(s);
    }
    await Promise.all(sockets.map((s) => new Promise<void>((res, rej) => (s.connected ? res() : (s.once("connect", () => res()), s.once("connect_error", rej))))));
    await Promise.all(sockets.map((s) => s.timeout(5000).emitWithAck("subscribe", { topics: ["events"] })));
    const fanout: number[] = [];
    for (let e = 0; e < 20; e++) {
      const id = `bench-fanout-${e}-${Date.now()}`;
      const t0 = performance.now();
      const received = Promise.all(sockets.map((s) => new Promise<void>((res) => {
        const on = (batch: { id: string }[]) => {
          if (!batch.some((ev) => ev.id === id)) return;
          fanout.push(performance.now() - t0);
          s.off("events", on);
          res();
        };
        s.on("events", on);
      })));
      const event = { id, ts: Date.now(), kind: "trap", type: "linkDown", severity: "major", security: false, agent: "bench", message: "bench", attributes: {} };
      await fetch(`${url}/api/v1/ingest/events`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ events: [event] }) });
      await received;
    }
    return {
      name: "delivery",
      metrics: {
        ingest_samples_per_second: Math.round((batches * 1000) / seconds),
        ingest_batch_p50_ms: Number(percentile(latencies, 50).toFixed(1)),
        ingest_batch_p95_ms: Number(percentile(latencies, 95).toFixed(1)),
        fanout_clients: clients,
        fanout_p95_ms: Number(percentile(fanout, 95).toFixed(1)),
        rss_mb: Math.round(process.memoryUsage().rss / 1048576),
      },
      notes: `${batches} remote-write batches of 1,000 samples (100 series) from 4 concurrent clients over loopback HTTP into SQLite; fan-out of 20 events to ${clients} /console sockets (POST → receipt, includes the event's commit).`,
    };
  } finally {
    for (const s of sockets) s.disconnect();
    await cp.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
