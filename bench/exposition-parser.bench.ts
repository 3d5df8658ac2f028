/**
 * Exposition parsing, two ways:
 * 1. parser throughput (samples/s, one core) on the two real captures and on a synthetic
 *    100k-series payload of labelled histograms, counters and gauges generated in memory;
 * 2. CPU per scraped sample of the whole scrape path (PrometheusScraper.collect in its own
 *    process) against Debian's Prometheus scraping the same payload from the same server
 *    process, in the same run: Prometheus as a user runs it (server mode, TSDB on disk) and
 *    in its lightest configuration (agent mode, uncompressed WAL on tmpfs).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseExposition } from "../agents/prometheus/exposition-parser.ts";
import type { ExpositionFormat } from "../agents/prometheus/exposition.types.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";
import { startTypeScriptChild } from "./lib/bounded-child.ts";
import { findPrometheus, startPrometheus } from "./lib/prometheus-peer.ts";
import { measureScrapeWindow, type ScrapeWindow } from "./lib/scrape-window.ts";
import { TEXT_EXPOSITION_CONTENT_TYPE } from "./lib/static-http-server.ts";
import { startStaticHttpServerProcess, type StaticHttpServerProcess } from "./lib/static-http-server.process.ts";

const FIXTURES = fileURLToPath(new URL("../test/fixtures/exposition/", import.meta.url));

/** ~100k series: histograms with 10 buckets per ward/service, plus counters and gauges. */
function synthetic(series: number): string {
  const out: string[] = ["# HELP city_request_duration_seconds Request latency.", "# TYPE city_request_duration_seconds histogram"];
  const buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];
  let n = 0;
  for (let i = 0; n < series * 0.6; i++) {
    const labels = `service="egov-${i % 40}",ward="ward_${i}",method="GET"`;
    let cum = 0;
    for (const le of buckets) {
      cum += i % 7;
      out.push(`city_request_duration_seconds_bucket{${labels},le="${le}"} ${cum}`);
    }
    out.push(`city_request_duration_seconds_sum{${labels}} ${(i * 0.37).toFixed(3)}`, `city_request_duration_seconds_count{${labels}} ${cum}`);
    n += 12;
  }
  out.push("# HELP city_if_octets_total Interface octets.", "# TYPE city_if_octets_total counter");
  for (let i = 0; n < series * 0.9; i++, n++) out.push(`city_if_octets_total{device="r${i % 500}",ifName="Gi0/${i}",direction="${i % 2 ? "in" : "out"}"} ${i * 1234567}`);
  out.push("# TYPE city_temperature_celsius gauge");
  for (let i = 0; n < series; i++, n++) out.push(`city_temperature_celsius{site="s${i}"} ${20 + (i % 15) / 3}`);
  return `${out.join("\n")}\n`;
}

/**
 * Samples per CPU second of this process (user + system, every thread: GC helpers count against
 * us), so "on one core" holds on a loaded machine; wall-clock throughput is reported beside it.
 */
function measure(text: string, format: ExpositionFormat, minMs: number): { samplesPerSecond: number; samplesPerWallSecond: number; samples: number } {
  const samples = parseExposition(text, format).samples.length; // warm-up and count
  for (let i = 0; i < 3; i++) parseExposition(text, format);
  let parsed = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < minMs) {
    parsed += parseExposition(text, format).samples.length;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { samplesPerSecond: parsed / cpuSeconds, samplesPerWallSecond: parsed / (elapsed / 1000), samples };
}

function parserThroughput(quick: boolean, synthetic100k: string, metrics: Record<string, number>): void {
  const minMs = quick ? 300 : 2000;
  for (const [key, file] of [["node_exporter", "node-exporter.txt"], ["prometheus", "prometheus.txt"]] as const) {
    const r = measure(readFileSync(FIXTURES + file, "utf8"), "text", minMs);
    metrics[`${key}_samples_per_second`] = r.samplesPerSecond;
    metrics[`${key}_samples_per_wall_second`] = r.samplesPerWallSecond;
  }
  const text = synthetic100k;
  const r = measure(text, "text", minMs);
  metrics["synthetic_100k_samples_per_second"] = r.samplesPerSecond;
  metrics["synthetic_100k_samples_per_wall_second"] = r.samplesPerWallSecond;
  metrics["synthetic_100k_series"] = r.samples;
  // OpenMetrics names the counter family without `_total`; the samples keep it.
  const omText = `${text.replace(/^# (HELP|TYPE) city_if_octets_total /gm, "# $1 city_if_octets ")}# EOF\n`;
  const om = measure(omText, "openmetrics", minMs);
  metrics["synthetic_100k_openmetrics_samples_per_second"] = om.samplesPerSecond;
  metrics["synthetic_100k_openmetrics_samples_per_wall_second"] = om.samplesPerWallSecond;
}

// Fixed loopback addresses of this benchmark (its block is 127.60.0.0/16).
const PAYLOAD_HOST = "127.60.0.1";
const PROMETHEUS_HOST = "127.60.0.2";
const INTERVAL_MS = 1000;

type Contender = "cityplane" | "prometheus" | "prometheus_agent";

interface Plan {
  contenders: readonly Contender[];
  warmupScrapes: number;
  windowScrapes: number;
  rounds: number;
}

/** One scrape payload: `targets` copies of it are served, on /key (one) or /key/0…/key/N-1. */
interface Payload {
  key: string;
  file: string;
  samples: number;
  targets: number;
}

function payloadPaths(p: Payload): string[] {
  return p.targets === 1 ? [`/${p.key}`] : Array.from({ length: p.targets }, (_, i) => `/${p.key}/${i}`);
}

/** Runs one scraper on every target of `payload` for warm-up plus one window, then stops it. */
async function scrapeWindow(who: Contender, server: StaticHttpServerProcess, payload: Payload, plan: Plan): Promise<ScrapeWindow> {
  const lifetimeMs = (plan.warmupScrapes + plan.windowScrapes * 3 + 4) * INTERVAL_MS + 30_000;
  const paths = payloadPaths(payload);
  const window = {
    server,
    anchorPath: paths[0] as string,
    targets: paths.length,
    intervalMs: INTERVAL_MS,
    warmupScrapes: plan.warmupScrapes,
    windowScrapes: plan.windowScrapes,
    expectedSamplesPerInterval: payload.targets * payload.samples,
  };
  if (who === "cityplane") {
    const args = [String(INTERVAL_MS), ...paths.map((p) => server.url(p))];
    const child = await startTypeScriptChild(new URL("./lib/scrape-loop.main.ts", import.meta.url), { args, lifetimeMs });
    let samples = 0;
    let failure: string | undefined;
    child.onLine((line) => {
      const r = JSON.parse(line) as { samples: number; failed: number; error?: string };
      samples = r.samples;
      if (r.failed > 0) failure ??= r.error ?? "scrape failed";
    });
    try {
      const w = await measureScrapeWindow({ ...window, pid: child.pid, readSamples: async () => samples });
      if (failure !== undefined) throw new Error(`cityplane scrape of ${payload.key} failed: ${failure}`);
      return w;
    } finally {
      await child.stop();
    }
  }
  const agent = who === "prometheus_agent";
  const address = `${PAYLOAD_HOST}:${server.port}`;
  const peer = await startPrometheus({
    host: PROMETHEUS_HOST,
    jobs: [{ name: "bench", metricsPath: paths[0] as string, targets: paths.map((metricsPath, copy) => ({ address, metricsPath, labels: { copy: String(copy) } })) }],
    scrapeIntervalSeconds: INTERVAL_MS / 1000,
    scrapeTimeoutSeconds: INTERVAL_MS / 1000,
    mode: agent ? "agent" : "server",
    // The lightest configuration: WAL in memory (tmpfs) and not compressed.
    storageParent: agent ? "/dev/shm" : undefined,
    extraArgs: agent ? ["--no-storage.agent.wal-compression"] : [],
    lifetimeMs,
  });
  const counter = agent ? "prometheus_agent_samples_appended_total" : "prometheus_tsdb_head_samples_appended_total";
  try {
    return await measureScrapeWindow({ ...window, pid: peer.child.pid, readSamples: async () => (await peer.selfMetrics()).get(counter) ?? Number.NaN });
  } finally {
    await peer.stop();
  }
}

/** CPU per sample of each contender on each payload; rounds alternate the order of contenders. */
async function scrapeComparison(plan: Plan, payloads: readonly Payload[], metrics: Record<string, number>): Promise<void> {
  const routes = Object.fromEntries(payloads.flatMap((p) => payloadPaths(p).map((path) => [path, { file: p.file, contentType: TEXT_EXPOSITION_CONTENT_TYPE }])));
  const server = await startStaticHttpServerProcess(PAYLOAD_HOST, routes, 15 * 60_000);
  try {
    for (const payload of payloads) {
      const key = payload.key;
      const totals = new Map<Contender, ScrapeWindow>();
      for (let round = 0; round < plan.rounds; round++) {
        const order = round % 2 === 0 ? plan.contenders : [...plan.contenders].reverse();
        for (const who of order) {
          const w = await scrapeWindow(who, server, payload, plan).catch((err: Error) => {
            throw new Error(`${who} on ${payload.key}: ${err.message}`);
          });
          const t = totals.get(who);
          totals.set(who, t === undefined ? w : { cpuSeconds: t.cpuSeconds + w.cpuSeconds, samples: t.samples + w.samples, scrapes: t.scrapes + w.scrapes, wallSeconds: t.wallSeconds + w.wallSeconds, peakRssBytes: Math.max(t.peakRssBytes, w.peakRssBytes) });
        }
      }
      const usPerSample = (who: Contender): number => {
        const t = totals.get(who) as ScrapeWindow;
        return (t.cpuSeconds * 1e6) / t.samples;
      };
      for (const who of plan.contenders) {
        const t = totals.get(who) as ScrapeWindow;
        metrics[`${key}_${who}_cpu_us_per_sample`] = usPerSample(who);
        metrics[`${key}_${who}_cpu_seconds`] = t.cpuSeconds;
        metrics[`${key}_${who}_samples`] = t.samples;
        metrics[`${key}_${who}_peak_rss_bytes`] = t.peakRssBytes;
      }
      metrics[`${key}_cpu_per_sample_ratio`] = usPerSample("cityplane") / usPerSample("prometheus");
      if (plan.contenders.includes("prometheus_agent")) metrics[`${key}_cpu_per_sample_vs_agent_ratio`] = usPerSample("cityplane") / usPerSample("prometheus_agent");
    }
  } finally {
    await server.stop();
  }
}

const NOTES = [
  "parser target: >= 500,000 samples/s on one core (*_samples_per_second: per CPU second of the process; *_per_wall_second beside it).",
  "Scrape comparison: one payload server process (node:http, same bytes to everyone, not counted) on 127.60.0.1;",
  "each scraper in its own process scrapes every target every 1 s (synthetic_100k: one target; node_exporter_x50: the node_exporter capture as 50 targets);",
  "CPU = utime+stime of that process (procfs, 10 ms ticks) over whole scrapes after warm-up, samples = what it took in over the same scrapes",
  "(Prometheus: *_samples_appended_total; cityplane: samples returned by collect). The reads of Prometheus's /metrics inside a window are charged to it",
  "(about 2.7 ms CPU each here; one per 50-target window, 5-10 near the end of a single-target window): a bias of a few % at most, in cityplane's favour.",
  "Full runs repeat each measurement twice, alternating the order of the scrapers; figures are totals over both.",
  "cpu_per_sample_ratio = cityplane / Prometheus server mode (default flags, TSDB on disk: what a user would run);",
  "cpu_per_sample_vs_agent_ratio = cityplane / Prometheus agent mode (--enable-feature=agent, WAL uncompressed on tmpfs: the least Prometheus can be configured to do).",
  "Not like for like: Prometheus also stores every sample (head series and chunks, WAL; agent mode: WAL only) and caches parsed series between scrapes;",
  "cityplane's scrape path parses, attaches target labels, relabels, checks limits and tracks staleness but stores nothing",
  "(its samples go to the shipper, whose remote-write encoding is not counted here). peak_rss_bytes is each process's VmHWM at the end of its window.",
].join(" ");

/** Entry point for bench/run.ts. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const metrics: Record<string, number> = {};
  const synthetic100k = synthetic(100_000);
  parserThroughput(opts.quick, synthetic100k, metrics);
  if (findPrometheus() === undefined) {
    return { name: "exposition-parser", metrics, skipped: "prometheus is not installed: scrape CPU comparison skipped (parser figures only)", notes: NOTES };
  }
  const dir = mkdtempSync(join(tmpdir(), "cityplane-bench-exposition-"));
  try {
    writeFileSync(join(dir, "synthetic-100k.txt"), synthetic100k);
    const nodeExporter = readFileSync(FIXTURES + "node-exporter.txt", "utf8");
    const payloads: Payload[] = [
      { key: "synthetic_100k", file: join(dir, "synthetic-100k.txt"), samples: 100_000, targets: 1 },
      // One node_exporter scrape costs Prometheus a few ms, under the 10 ms tick of /proc CPU
      // accounting: fifty of them (an agent's share of a site) make the figure measurable.
      { key: "node_exporter_x50", file: FIXTURES + "node-exporter.txt", samples: parseExposition(nodeExporter, "text").samples.length, targets: 50 },
    ];
    const plan: Plan = opts.quick
      ? { contenders: ["cityplane", "prometheus"], warmupScrapes: 1, windowScrapes: 1, rounds: 1 }
      : { contenders: ["cityplane", "prometheus", "prometheus_agent"], warmupScrapes: 2, windowScrapes: 4, rounds: 2 };
    await scrapeComparison(plan, payloads, metrics);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: "exposition-parser", metrics, notes: NOTES };
}
