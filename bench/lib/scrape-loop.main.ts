/**
 * Entry of a child process that scrapes targets every interval through the agent's own
 * PrometheusScraper.collect (HTTP fetch, parse, limits, relabelling, staleness) and throws
 * the samples away, so a benchmark can charge exactly the scrape path with this process's CPU.
 * Usage (through bin/run-ts.js): scrape-loop.main.ts INTERVAL_MS URL [URL…]
 * Targets start at offsets spread over the interval, as Prometheus spreads its targets.
 * Prints `{"scrapes":N,"samples":TOTAL,"failed":F}` after each scrape (cumulative counts; the
 * last error, if any, as "error").
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createHttpFetcher } from "../../agents/prometheus/http-fetcher.ts";
import { PrometheusScraper } from "../../agents/prometheus/scraper.ts";
import type { TargetOf } from "../../agents/collector.ts";

const [intervalArg, ...urls] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
if (urls.length === 0 || !(intervalMs > 0)) {
  console.error("usage: scrape-loop.main.ts INTERVAL_MS URL [URL…]");
  process.exit(2);
}

const scraper = new PrometheusScraper({ fetch: createHttpFetcher() });
const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => stop.abort());

let scrapes = 0;
let samples = 0;
let failed = 0;
let lastError: string | undefined;

async function loop(target: TargetOf<"scrape">, offsetMs: number): Promise<void> {
  const started = performance.now() + offsetMs;
  await sleep(offsetMs, undefined, { signal: stop.signal }).catch(() => undefined);
  let tick = 0; // scrape `tick` is due at started + tick × interval
  while (!stop.signal.aborted) {
    const result = await scraper.collect(target, stop.signal);
    const health = scraper.health(target.id);
    scrapes += 1;
    samples += result.samples.length;
    if (health?.up !== true) {
      failed += 1;
      lastError = health?.error ?? "scrape failed";
    }
    console.log(JSON.stringify({ scrapes, samples, failed, ...(lastError === undefined ? {} : { error: lastError }) }));
    // Fixed-rate schedule like Prometheus's ticker: the next scrape starts on the next tick of
    // the target's own phase, not `interval` after this one ended; ticks missed while a scrape
    // ran late are skipped, not caught up (Go's time.Ticker drops them too).
    tick = Math.max(tick + 1, Math.ceil((performance.now() - started) / intervalMs));
    await sleep(Math.max(0, started + tick * intervalMs - performance.now()), undefined, { signal: stop.signal }).catch(() => undefined);
  }
}

await Promise.all(
  urls.map((url, i) =>
    loop({ kind: "scrape", id: `bench-${i}`, entity: { kind: "service", name: "bench" }, url, intervalSeconds: intervalMs / 1000, timeoutSeconds: intervalMs / 1000 }, (i * intervalMs) / urls.length),
  ),
);
process.exit(0);
