/**
 * CPU per sample of one scraper process over a window of whole scrapes. The window opens and
 * closes in the idle gap just before a scrape of the first target starts (the payload server
 * reports each request as it arrives, and scrapers run on a fixed-rate ticker), so the CPU
 * measured covers the scrapes whose samples are counted, and the counter reads themselves
 * fall outside the window. With many small targets spread over the interval there is no
 * idle gap, but then the work in flight at either edge is a tiny part of the window.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { processCpuSeconds, processPeakRssBytes } from "./proc-stats.ts";
import type { StaticHttpServerProcess } from "./static-http-server.process.ts";

/** What to measure. */
export interface ScrapeWindowOptions {
  server: StaticHttpServerProcess;
  /** The path of the target the window is aligned on (every target is scraped once per interval). */
  anchorPath: string;
  /** How many targets the scraper has (one: the window opens and closes in idle gaps). */
  targets: number;
  /** The scraper's process. */
  pid: number;
  intervalMs: number;
  warmupScrapes: number;
  /** Window length, in scrape intervals. */
  windowScrapes: number;
  /**
   * Samples all targets together yield per interval. A window whose count is off by more than
   * 3 % (of windowScrapes intervals with one target; of the wall time measured with several,
   * whose scrapes are spread over the interval) is retried.
   */
  expectedSamplesPerInterval: number;
  /** Cumulative samples the scraper has taken in; only called in idle gaps. */
  readSamples(): Promise<number>;
  /** Windows tried before giving up. Default 3. */
  attempts?: number;
  /** How long before the next scrape the CPU snapshot is taken. Default 100 ms. */
  guardMs?: number;
}

/** One measured window. */
export interface ScrapeWindow {
  cpuSeconds: number;
  samples: number;
  scrapes: number;
  wallSeconds: number;
  peakRssBytes: number;
}

const TOLERANCE = 0.03;

/** Waits for warm-up, then measures one window (retrying when a snapshot missed its gap). */
export async function measureScrapeWindow(o: ScrapeWindowOptions): Promise<ScrapeWindow> {
  const guardMs = o.guardMs ?? 100;
  const attempts = o.attempts ?? 3;
  const arrivals: number[] = [];
  const unsubscribe = o.server.onRequest((path, at) => {
    if (path === o.anchorPath) arrivals.push(at);
  });
  const waitArrivals = async (count: number): Promise<void> => {
    const deadline = performance.now() + (count - arrivals.length + 3) * o.intervalMs + 10_000;
    while (arrivals.length < count) {
      if (performance.now() > deadline) throw new Error(`scraper did not fetch ${o.anchorPath} ${count} times in time (${arrivals.length} so far)`);
      await sleep(10);
    }
  };
  // When scrape j should start. Scrapers tick at a fixed rate, so a late start delays that one
  // scrape only: predict from the least-delayed of the last few starts, not the last one.
  const predictStart = (j: number): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = Math.max(0, j - 5); i < j && i < arrivals.length; i++) best = Math.min(best, (arrivals[i] as number) + (j - i) * o.intervalMs);
    return best;
  };
  const sleepUntil = (at: number): Promise<unknown> => sleep(Math.max(0, at - performance.now()));
  // Two equal reads 20 ms apart: no scrape is appending right now.
  const stableSamples = async (): Promise<number | undefined> => {
    const a = await o.readSamples();
    await sleep(20);
    const b = await o.readSamples();
    return a === b ? b : undefined;
  };
  const problems: string[] = [];
  try {
    await waitArrivals(o.warmupScrapes);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await waitArrivals(arrivals.length + 1); // re-anchor on a fresh scrape
      const first = arrivals.length; // index of the first anchor scrape inside the window
      const opening = predictStart(first) - guardMs;
      let c0: number | undefined, u0: number;
      if (o.targets === 1) {
        // In the idle gap the count cannot move: read it first, so the read costs the window nothing.
        await sleepUntil(opening - 80);
        c0 = await stableSamples();
        await sleepUntil(opening);
        u0 = processCpuSeconds(o.pid);
      } else {
        // Spread targets never pause: read the count right after the CPU, as at the closing edge.
        await sleepUntil(opening);
        u0 = processCpuSeconds(o.pid);
        c0 = await o.readSamples();
      }
      const t0 = performance.now();
      if (c0 === undefined || arrivals.length !== first) {
        problems.push(c0 === undefined ? "a scrape was still running at the opening snapshot" : `the opening snapshot came ${Math.round(t0 - (arrivals[first] as number))} ms after the scrape started`);
        continue;
      }
      await waitArrivals(first + o.windowScrapes);
      await sleepUntil(predictStart(first + o.windowScrapes) - guardMs);
      const u1 = processCpuSeconds(o.pid);
      const t1 = performance.now();
      const c1 = await o.readSamples();
      await sleep(20); // a request log line may still be in the pipe
      const next = arrivals[first + o.windowScrapes];
      if (next !== undefined && next <= t1) {
        problems.push(`the closing snapshot came ${Math.round(t1 - next)} ms after the next scrape started`);
        continue;
      }
      const samples = c1 - c0;
      const expected = Math.round(o.expectedSamplesPerInterval * (o.targets > 1 ? (t1 - t0) / o.intervalMs : o.windowScrapes));
      if (!(Math.abs(samples - expected) <= expected * TOLERANCE)) {
        problems.push(`counted ${samples} samples, expected ${expected} (a scrape failed or outlasted the interval)`);
        continue;
      }
      return { cpuSeconds: u1 - u0, samples, scrapes: o.windowScrapes, wallSeconds: (t1 - t0) / 1000, peakRssBytes: processPeakRssBytes(o.pid) };
    }
    throw new Error(`no valid window on ${o.anchorPath} (pid ${o.pid}) in ${attempts} attempt(s): ${problems.join("; ")}`);
  } finally {
    unsubscribe();
  }
}
