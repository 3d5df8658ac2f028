import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPeers } from "../../test/peers.ts";
import { startPrometheus } from "./prometheus-peer.ts";
import { measureScrapeWindow } from "./scrape-window.ts";
import { TEXT_EXPOSITION_CONTENT_TYPE } from "./static-http-server.ts";
import { startStaticHttpServerProcess, type StaticHttpServerProcess } from "./static-http-server.process.ts";

// measureScrapeWindow against the real Prometheus (scrape-window.test.ts covers the agent's loop).
const SERVER_HOST = "127.60.1.8";
const PROMETHEUS_HOST = "127.60.1.7";
const CAPTURE = fileURLToPath(new URL("../../test/fixtures/exposition/node-exporter.txt", import.meta.url));
const CAPTURE_SAMPLES = 507;

let server: StaticHttpServerProcess;
beforeAll(async () => {
  server = await startStaticHttpServerProcess(SERVER_HOST, { "/one": { file: CAPTURE, contentType: TEXT_EXPOSITION_CONTENT_TYPE } }, 60_000);
});
afterAll(() => server.stop());

describeWithPeers(["prometheus"], "measureScrapeWindow on Prometheus", () => {
  it("counts exactly the samples Prometheus appended in the window's scrapes", async () => {
    const peer = await startPrometheus({
      host: PROMETHEUS_HOST,
      jobs: [{ name: "node", metricsPath: "/one", targets: [{ address: `${SERVER_HOST}:${server.port}` }] }],
      scrapeIntervalSeconds: 1,
      scrapeTimeoutSeconds: 1,
      mode: "server",
      lifetimeMs: 30_000,
    });
    try {
      const readSamples = async () => (await peer.selfMetrics()).get("prometheus_tsdb_head_samples_appended_total") ?? Number.NaN;
      const w = await measureScrapeWindow({ server, anchorPath: "/one", targets: 1, pid: peer.child.pid, intervalMs: 1000, warmupScrapes: 2, windowScrapes: 2, expectedSamplesPerInterval: CAPTURE_SAMPLES, readSamples });
      // 507 scraped + the five series Prometheus adds (up, scrape_duration_seconds, …, scrape_series_added).
      expect(w.samples).toBe(2 * 512);
      expect(w.cpuSeconds).toBeGreaterThanOrEqual(0);
    } finally {
      await peer.stop();
    }
  });
});
