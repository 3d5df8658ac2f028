import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPeers } from "../../test/peers.ts";
import { startPrometheus } from "./prometheus-peer.ts";
import { startStaticHttpServer, TEXT_EXPOSITION_CONTENT_TYPE, type StaticHttpServer } from "./static-http-server.ts";

const TARGET_HOST = "127.60.1.4";
const PROMETHEUS_HOST = "127.60.1.5";
// Three samples per scrape, plus the five series Prometheus adds per target (up, scrape_*).
const PAYLOAD = "# TYPE city_link_up gauge\ncity_link_up{link=\"hai-chau-1\"} 1\ncity_link_up{link=\"son-tra-2\"} 0\ncity_link_up{link=\"lien-chieu-3\"} 1\n";

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(200);
  }
}

describeWithPeers(["prometheus"], "startPrometheus", () => {
  let target: StaticHttpServer;
  beforeAll(async () => {
    const route = { body: PAYLOAD, contentType: TEXT_EXPOSITION_CONTENT_TYPE };
    target = await startStaticHttpServer(TARGET_HOST, { "/a": route, "/b": route });
  });
  afterAll(() => target.close());

  it("server mode: scrapes every target on its own metrics path into the TSDB, then stops and cleans up", async () => {
    const address = `${TARGET_HOST}:${target.port}`;
    const peer = await startPrometheus({
      host: PROMETHEUS_HOST,
      jobs: [{ name: "links", metricsPath: "/a", targets: [{ address, metricsPath: "/a", labels: { copy: "a" } }, { address, metricsPath: "/b", labels: { copy: "b" } }] }],
      scrapeIntervalSeconds: 1,
      scrapeTimeoutSeconds: 1,
      mode: "server",
      lifetimeMs: 25_000,
    });
    const { pid } = peer.child;
    try {
      const appended = await until(async () => (await peer.selfMetrics()).get("prometheus_tsdb_head_samples_appended_total") ?? 0, (n) => n >= 2 * 8, 10_000);
      // Whole scrapes of two targets: a multiple of 3 + 5 samples.
      expect(appended).toBeGreaterThanOrEqual(16);
      expect(appended % 8).toBe(0);
      expect(target.requests("/a")).toBeGreaterThan(0);
      expect(target.requests("/b")).toBeGreaterThan(0);
      // The `copy` label keeps the two targets' series apart (same address, and the path is not a label).
      const query = await (await fetch(`${peer.url}/api/v1/query?query=${encodeURIComponent("count by (copy) (city_link_up)")}`)).json();
      const counts = (query as { data: { result: Array<{ metric: { copy: string }; value: [number, string] }> } }).data.result.map((r) => [r.metric.copy, r.value[1]]);
      expect(counts.sort()).toEqual([["a", "3"], ["b", "3"]]);
    } finally {
      await peer.stop();
    }
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(peer.dir)).toBe(false);
  });

  it("agent mode: appends scraped samples to the write-ahead log only", async () => {
    const peer = await startPrometheus({
      host: PROMETHEUS_HOST,
      jobs: [{ name: "links", metricsPath: "/a", targets: [{ address: `${TARGET_HOST}:${target.port}` }] }],
      scrapeIntervalSeconds: 1,
      scrapeTimeoutSeconds: 1,
      mode: "agent",
      extraArgs: ["--no-storage.agent.wal-compression"],
      lifetimeMs: 25_000,
    });
    try {
      const metrics = await until(() => peer.selfMetrics(), (m) => (m.get("prometheus_agent_samples_appended_total") ?? 0) >= 8, 10_000);
      expect(metrics.get("prometheus_agent_samples_appended_total")).toBeGreaterThanOrEqual(8);
      expect(metrics.has("prometheus_tsdb_head_samples_appended_total")).toBe(false);
    } finally {
      await peer.stop();
    }
  });

  it("reports why Prometheus would not start", async () => {
    await expect(
      startPrometheus({ host: PROMETHEUS_HOST, jobs: [], scrapeIntervalSeconds: 1, scrapeTimeoutSeconds: 1, mode: "server", extraArgs: ["--no-such-flag"], lifetimeMs: 10_000 }),
    ).rejects.toThrow(/not ready.*exited.*no-such-flag/s);
  });
});
