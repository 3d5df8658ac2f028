/**
 * Turns one scrape attempt into samples, without I/O (STYLE.md rule 4): parse, metric
 * relabelling, target labels, sample_limit/label_limit, staleness markers and the synthetic
 * series Prometheus adds per target (`up`, `scrape_duration_seconds`, ...).
 * Semantics follow Prometheus scrape/scrape.go: a limit breach fails the whole scrape.
 */
import type { Sample } from "../../protocol/remote-write.codec.ts";
import { ExpositionParseError, formatFromContentType, parseExposition } from "./exposition-parser.ts";
import type { SampleFilter } from "./metric-relabel.ts";
import { STALE_NAN, seriesKey } from "./staleness.ts";

/** A sample as the scraper emits it; `stale` marks a staleness marker (see staleness.ts). */
export interface ScrapedSample extends Sample {
  stale?: true;
}

/** What the HTTP adapter returns. */
export interface ScrapeResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** One attempt: either a response or the reason there is none. */
export interface ScrapeAttempt {
  startedMs: number;
  durationSeconds: number;
  response?: ScrapeResponse;
  error?: string;
}

/** Per-target limits; 0 or absent means no limit, as in Prometheus. */
export interface ScrapeLimits {
  sampleLimit?: number;
  labelLimit?: number;
}

/** How a target's samples are shaped. */
export interface ScrapeShaping {
  /** Attached to every sample; a scraped label of the same name becomes `exported_<name>`. */
  targetLabels: Readonly<Record<string, string>>;
  filter: SampleFilter;
  limits: ScrapeLimits;
}

/** Series seen in the previous successful scrape, to know which ones vanished. */
export interface ScrapeState {
  series: ReadonlyMap<string, { name: string; labels: Record<string, string> }>;
}

/** The outcome of processing one attempt. */
export interface ScrapeOutcome {
  up: boolean;
  error?: string;
  samples: ScrapedSample[];
  state: ScrapeState;
}

/** A target that has never been scraped. */
export const EMPTY_SCRAPE_STATE: ScrapeState = { series: new Map() };

class ScrapeFailure extends Error {}

/** Processes one attempt against the previous state; never throws on bad input. */
export function processScrape(attempt: ScrapeAttempt, shaping: ScrapeShaping, previous: ScrapeState): ScrapeOutcome {
  const ts = attempt.startedMs;
  let scraped = 0;
  let kept: ScrapedSample[] = [];
  const series = new Map<string, { name: string; labels: Record<string, string> }>();
  let error: string | undefined;
  try {
    const res = attempt.response;
    if (res === undefined) throw new ScrapeFailure(attempt.error ?? "no response");
    if (res.status < 200 || res.status > 299) throw new ScrapeFailure(`server returned HTTP status ${res.status}`);
    let parsed;
    try {
      parsed = parseExposition(res.body, formatFromContentType(res.contentType));
    } catch (err) {
      if (err instanceof ExpositionParseError) throw new ScrapeFailure(`invalid exposition: ${err.message}`);
      throw err;
    }
    scraped = parsed.samples.length;
    const { sampleLimit = 0, labelLimit = 0 } = shaping.limits;
    const targetLabels = shaping.targetLabels;
    for (const s of parsed.samples) {
      const labels = s.labels; // the parser's own object: safe to extend in place
      for (const k in targetLabels) {
        if (Object.hasOwn(labels, k)) labels[`exported_${k}`] = labels[k] as string;
        labels[k] = targetLabels[k] as string;
      }
      // Metric relabelling sees the target labels, as in Prometheus (they are attached first).
      if (!shaping.filter(s.name, labels)) continue;
      if (labelLimit > 0) {
        const count = Object.keys(labels).length + 1; // + __name__, as Prometheus counts it
        if (count > labelLimit) throw new ScrapeFailure(`label_limit exceeded (metric: ${s.name}, number of labels: ${count}, limit: ${labelLimit})`);
      }
      kept.push({ name: s.name, labels, value: s.value, timestampMs: s.timestampMs ?? ts });
      // Series with explicit timestamps get no staleness markers (Prometheus does the same).
      if (s.timestampMs === undefined) series.set(seriesKey(s.name, labels), { name: s.name, labels });
    }
    if (sampleLimit > 0 && kept.length > sampleLimit) throw new ScrapeFailure(`sample_limit exceeded (samples: ${kept.length}, limit: ${sampleLimit})`);
  } catch (err) {
    if (!(err instanceof ScrapeFailure)) throw err;
    error = err.message;
    series.clear();
    kept = [];
  }
  const postRelabel = error === undefined ? kept.length : 0;
  // A series present last time and absent now (or every series, when the scrape failed) is stale.
  for (const [key, s] of previous.series) {
    if (!series.has(key)) kept.push({ name: s.name, labels: s.labels, value: STALE_NAN, timestampMs: ts, stale: true });
  }
  const synthetic = (name: string, value: number): ScrapedSample => ({ name, labels: { ...shaping.targetLabels }, value, timestampMs: ts });
  kept.push(
    synthetic("up", error === undefined ? 1 : 0),
    synthetic("scrape_duration_seconds", attempt.durationSeconds),
    synthetic("scrape_samples_scraped", scraped),
    synthetic("scrape_samples_post_metric_relabeling", postRelabel),
  );
  return error === undefined ? { up: true, samples: kept, state: { series } } : { up: false, error, samples: kept, state: { series } };
}
