import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTypeScriptChild } from "./bounded-child.ts";
import { measureScrapeWindow } from "./scrape-window.ts";
import { TEXT_EXPOSITION_CONTENT_TYPE } from "./static-http-server.ts";
import { startStaticHttpServerProcess, type StaticHttpServerProcess } from "./static-http-server.process.ts";

const SERVER_HOST = "127.60.1.6";
const CAPTURE = fileURLToPath(new URL("../../test/fixtures/exposition/node-exporter.txt", import.meta.url));
const CAPTURE_SAMPLES = 507;
const route = { file: CAPTURE, contentType: TEXT_EXPOSITION_CONTENT_TYPE };

let server: StaticHttpServerProcess;
beforeAll(async () => {
  server = await startStaticHttpServerProcess(SERVER_HOST, { "/one": route, "/t/0": route, "/t/1": route, "/t/2": route, "/t/3": route }, 120_000);
});
afterAll(() => server.stop());

/** The agent's scrape loop in its own process, with its cumulative sample count. */
async function scrapeLoop(paths: string[]) {
  const child = await startTypeScriptChild(new URL("./scrape-loop.main.ts", import.meta.url), { args: ["1000", ...paths.map((p) => server.url(p))], lifetimeMs: 30_000 });
  let samples = 0;
  child.onLine((line) => (samples = (JSON.parse(line) as { samples: number }).samples));
  return { child, readSamples: async () => samples };
}

describe("measureScrapeWindow on the agent's scrape loop", () => {
  it("one target: counts exactly the samples of the scrapes in the window", async () => {
    const loop = await scrapeLoop(["/one"]);
    try {
      const w = await measureScrapeWindow({ server, anchorPath: "/one", targets: 1, pid: loop.child.pid, intervalMs: 1000, warmupScrapes: 2, windowScrapes: 2, expectedSamplesPerInterval: CAPTURE_SAMPLES, readSamples: loop.readSamples });
      // 507 scraped + up, scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling.
      expect(w.samples).toBe(2 * 511);
      expect(w.scrapes).toBe(2);
      expect(w.cpuSeconds).toBeGreaterThanOrEqual(0);
      expect(w.peakRssBytes).toBeGreaterThan(20 * 1024 * 1024);
    } finally {
      await loop.child.stop();
    }
  });

  it("several spread targets: counts whole scrapes over the window's wall time", async () => {
    const paths = ["/t/0", "/t/1", "/t/2", "/t/3"];
    const loop = await scrapeLoop(paths);
    try {
      const w = await measureScrapeWindow({ server, anchorPath: "/t/0", targets: 4, pid: loop.child.pid, intervalMs: 1000, warmupScrapes: 2, windowScrapes: 2, expectedSamplesPerInterval: 4 * CAPTURE_SAMPLES, readSamples: loop.readSamples });
      expect(w.samples % 511).toBe(0);
      expect(w.samples / 511).toBeGreaterThanOrEqual(7);
      expect(w.samples / 511).toBeLessThanOrEqual(9);
    } finally {
      await loop.child.stop();
    }
  });

  it("refuses a window when the targets do not yield what was expected", async () => {
    const loop = await scrapeLoop(["/t/0", "/t/1"]);
    try {
      await expect(
        measureScrapeWindow({ server, anchorPath: "/t/0", targets: 2, pid: loop.child.pid, intervalMs: 1000, warmupScrapes: 1, windowScrapes: 1, expectedSamplesPerInterval: 10 * CAPTURE_SAMPLES, readSamples: loop.readSamples, attempts: 1 }),
      ).rejects.toThrow(/no valid window on \/t\/0 .* in 1 attempt\(s\): counted \d+ samples, expected \d+ ± 3 %/);
    } finally {
      await loop.child.stop();
    }
  });
});
