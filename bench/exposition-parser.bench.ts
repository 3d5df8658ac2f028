/**
 * Parser throughput (samples/s, one core) on the two real captures and on a synthetic
 * 100k-series payload of labelled histograms, counters and gauges generated in memory.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseExposition } from "../agents/prometheus/exposition-parser.ts";
import type { ExpositionFormat } from "../agents/prometheus/exposition.types.ts";
import type { BenchOptions, BenchResult } from "./bench.ts";

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

function measure(text: string, format: ExpositionFormat, minMs: number): { samplesPerSecond: number; samples: number } {
  const samples = parseExposition(text, format).samples.length; // warm-up and count
  for (let i = 0; i < 3; i++) parseExposition(text, format);
  let parsed = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    parsed += parseExposition(text, format).samples.length;
    elapsed = performance.now() - start;
  }
  return { samplesPerSecond: parsed / (elapsed / 1000), samples };
}

/** Entry point for bench/run.ts. */
export async function run(opts: BenchOptions): Promise<BenchResult> {
  const minMs = opts.quick ? 300 : 2000;
  const metrics: Record<string, number> = {};
  for (const [key, file] of [["node_exporter", "node-exporter.txt"], ["prometheus", "prometheus.txt"]] as const) {
    const r = measure(readFileSync(FIXTURES + file, "utf8"), "text", minMs);
    metrics[`${key}_samples_per_second`] = r.samplesPerSecond;
  }
  const text = synthetic(100_000);
  const r = measure(text, "text", minMs);
  metrics["synthetic_100k_samples_per_second"] = r.samplesPerSecond;
  metrics["synthetic_100k_series"] = r.samples;
  // OpenMetrics names the counter family without `_total`; the samples keep it.
  const omText = `${text.replace(/^# (HELP|TYPE) city_if_octets_total /gm, "# $1 city_if_octets ")}# EOF\n`;
  const om = measure(omText, "openmetrics", minMs);
  metrics["synthetic_100k_openmetrics_samples_per_second"] = om.samplesPerSecond;
  return { name: "exposition-parser", metrics, notes: "target: >= 500,000 samples/s on one core" };
}
