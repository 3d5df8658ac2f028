/**
 * CPU per sample of one scraper process over a window of whole scrapes, with the counter reads
 * kept out of the window as far as possible (a few polls near its end remain). The payload server reports each request as it
 * arrives, and scrapers run on a fixed-rate ticker, so the next scrape's start is known.
 * - One target: the window opens right after a scrape has completed (its sample counter moved
 *   and stopped; that polling happens before the CPU snapshot) and closes right after the N-th
 *   scrape after it has completed, so it holds exactly N scrapes even when a scrape outlasts
 *   the interval; it must count exactly N times the samples of the opening scrape.
 * - Several targets spread over the interval (never idle): the window is N intervals of wall
 *   time; the work in flight at either edge is a small part of it, and the count must be
 *   within 3 % of what the targets yield in the time measured.
 * A window that misses its marks is retried.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { processCpuSeconds, processPeakRssBytes } from "./proc-stats.ts";
import type { StaticHttpServerProcess } from "./static-http-server.process.ts";

/** What to measure. */
export interface ScrapeWindowOptions {
  server: StaticHttpServerProcess;
  /** The path of the target the window is aligned on (every target is scraped once per interval). */
  anchorPath: string;
  /** How many targets the scraper has (one: the window is placed on scrape boundaries). */
  targets: number;
  /** The scraper's process. */
  pid: number;
  intervalMs: number;
  warmupScrapes: number;
  /** Window length, in scrape intervals. */
  windowScrapes: number;
  /** Samples all targets together yield per interval (used to check spread-target windows). */
  expectedSamplesPerInterval: number;
  /** Cumulative samples the scraper has taken in (read at the window's edges, never in between). */
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
const POLL_MS = 10;

/** Waits for warm-up, then measures one window (retrying when a snapshot missed its mark). */
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
      await sleep(POLL_MS);
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
  const result = (cpuSeconds: number, samples: number, wallMs: number): ScrapeWindow => ({ cpuSeconds, samples, scrapes: o.windowScrapes, wallSeconds: wallMs / 1000, peakRssBytes: processPeakRssBytes(o.pid) });

  /** Polls the count until it has moved past `from` and then stayed put for 3 polls. */
  const settledAfter = async (from: number, timeoutMs: number): Promise<number | undefined> => {
    // Stayed put: Prometheus in agent mode counts each sample as it is appended, so the first
    // movement is the middle of a scrape, not its end.
    const until = performance.now() + timeoutMs;
    let c = await o.readSamples();
    for (let still = 0; (c === from || still < 3) && performance.now() < until; ) {
      await sleep(POLL_MS);
      const next = await o.readSamples();
      still = next === c ? still + 1 : 0;
      c = next;
    }
    return c === from ? undefined : c;
  };

  /** One target: from just after scrape j completes to just after scrape j+N completes. */
  const singleTarget = async (): Promise<ScrapeWindow | string> => {
    const j = arrivals.length; // the next scrape to start
    await sleepUntil(predictStart(j) - guardMs);
    // The last count read before scrape j starts: every earlier scrape is complete in it
    // (a scrape that outlasted the interval completes during these polls).
    let before = await o.readSamples();
    if (arrivals.length !== j) return "the first read came after the scrape had started";
    const pollUntil = performance.now() + 3 * o.intervalMs;
    while (arrivals.length === j && performance.now() < pollUntil) {
      await sleep(POLL_MS);
      const c = await o.readSamples();
      if (arrivals.length === j) before = c;
    }
    await waitArrivals(j + 1);
    const c0 = await settledAfter(before, 2 * o.intervalMs);
    const u0 = processCpuSeconds(o.pid);
    const t0 = performance.now();
    if (c0 === undefined) return "the opening scrape did not complete in time";
    if (arrivals.length !== j + 1) return "the opening scrape completed after the next had started";
    const perScrape = c0 - before;
    const scrapeMs = t0 - (arrivals[j] as number);
    // The last scrape of the window: wait for its start, and poll only near its expected end
    // (polls inside the window cost the scraper a little CPU).
    await waitArrivals(j + 1 + o.windowScrapes);
    await sleepUntil((arrivals[j + o.windowScrapes] as number) + 0.7 * scrapeMs);
    const c1 = await settledAfter(c0 + (o.windowScrapes - 1) * perScrape, 3 * o.intervalMs);
    const u1 = processCpuSeconds(o.pid);
    const t1 = performance.now();
    if (c1 === undefined) return "the closing scrape did not complete in time";
    await sleep(20); // a request log line may still be in the pipe
    const next = arrivals[j + 1 + o.windowScrapes];
    if (next !== undefined && next <= t1) return `the closing snapshot came ${Math.round(t1 - next)} ms after the next scrape started`;
    if (c1 - c0 !== o.windowScrapes * perScrape) return `counted ${c1 - c0} samples, expected ${o.windowScrapes} × ${perScrape} (a scrape failed or its size changed)`;
    return result(u1 - u0, c1 - c0, t1 - t0);
  };

  /** Spread targets: N intervals of wall time, counter read right after each CPU snapshot. */
  const spreadTargets = async (): Promise<ScrapeWindow | string> => {
    const j = arrivals.length;
    await sleepUntil(predictStart(j) - guardMs);
    const u0 = processCpuSeconds(o.pid);
    const t0 = performance.now();
    const c0 = await o.readSamples();
    await sleepUntil(t0 + o.windowScrapes * o.intervalMs);
    const u1 = processCpuSeconds(o.pid);
    const t1 = performance.now();
    const c1 = await o.readSamples();
    const expected = Math.round((o.expectedSamplesPerInterval * (t1 - t0)) / o.intervalMs);
    if (!(Math.abs(c1 - c0 - expected) <= expected * TOLERANCE)) return `counted ${c1 - c0} samples, expected ${expected} ± 3 % (a scrape failed or outlasted the interval)`;
    return result(u1 - u0, c1 - c0, t1 - t0);
  };

  const problems: string[] = [];
  try {
    await waitArrivals(o.warmupScrapes);
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await waitArrivals(arrivals.length + 1); // re-anchor on a fresh scrape
      const outcome = o.targets === 1 ? await singleTarget() : await spreadTargets();
      if (typeof outcome !== "string") return outcome;
      problems.push(outcome);
    }
    throw new Error(`no valid window on ${o.anchorPath} (pid ${o.pid}) in ${attempts} attempt(s): ${problems.join("; ")}`);
  } finally {
    unsubscribe();
  }
}
