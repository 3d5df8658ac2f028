/**
 * Turns one scrape attempt into samples, without I/O (STYLE.md rule 4): parse, metric
 * relabelling, target labels, sample_limit/label_limit, staleness markers and the synthetic
 * series Prometheus adds per target (`up`, `scrape_duration_seconds`, ...).
 * Semantics follow Prometheus scrape/scrape.go: a limit breach fails the whole scrape.
 */
import type { Sample } from "../../protocol/remote-write.codec.ts";
import { ExpositionParseError, formatFromContentType, scanExposition } from "./exposition-parser.ts";
import type { ExpositionVisitor } from "./exposition.types.ts";
import type { SampleFilter } from "./metric-relabel.ts";
import { CachedSeries, SeriesCache } from "./series-cache.ts";
import { seriesKey, STALE_NAN } from "./staleness.ts";

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

/**
 * What one scrape leaves for the next of the same target: the series of the last successful
 * scrape (to know which ones vanished) and the target's series cache (series-cache.ts).
 */
export interface ScrapeState {
  /** Series kept without explicit timestamps by the previous successful scrape. */
  readonly series: readonly CachedSeries[];
  readonly cache: SeriesCache | undefined;
}

/** The outcome of processing one attempt. */
export interface ScrapeOutcome {
  up: boolean;
  error?: string;
  /** Samples of one series share one labels object, also across scrapes: read only. */
  samples: ScrapedSample[];
  state: ScrapeState;
}

/** A target that has never been scraped. */
export const EMPTY_SCRAPE_STATE: ScrapeState = { series: [], cache: undefined };

class ScrapeFailure extends Error {}

// Each call gets its own generation, so marks left on cached series by other calls never match.
let generations = 0;

/** Takes each parsed sample through relabelling, label_limit and staleness tracking. */
class ScrapeVisitor implements ExpositionVisitor<CachedSeries> {
  scraped = 0;
  textsRead = 0;
  readonly kept: ScrapedSample[] = [];
  readonly series: CachedSeries[] = [];
  /** The first label_limit breach: reported once the whole body is known to parse, as before. */
  labelLimitError: string | undefined;

  constructor(
    private readonly cache: SeriesCache,
    private readonly generation: number,
    private readonly timestampMs: number,
    private readonly labelLimit: number,
  ) {}

  known(src: string, start: number, end: number, hash: number): CachedSeries | undefined {
    return this.cache.get(src, start, end, hash);
  }

  create(name: string, labels: Record<string, string>, src: string, start: number, end: number, hash: number): CachedSeries {
    return this.cache.add(name, labels, src, start, end, hash);
  }

  sample(s: CachedSeries, value: number, timestampMs: number | undefined): void {
    const generation = this.generation;
    this.scraped++;
    if (s.readIn !== generation) {
      s.readIn = generation;
      s.series.aliveIn = generation;
      this.textsRead++;
    }
    if (!s.keep) return;
    if (this.labelLimit > 0 && s.labelCount > this.labelLimit) {
      this.labelLimitError ??= `label_limit exceeded (metric: ${s.name}, number of labels: ${s.labelCount}, limit: ${this.labelLimit})`;
      return;
    }
    this.kept.push({ name: s.name, labels: s.labels, value, timestampMs: timestampMs ?? this.timestampMs });
    // Series with explicit timestamps get no staleness markers (Prometheus does the same).
    const series = s.series;
    if (timestampMs === undefined && series.activeIn !== generation) {
      series.activeIn = generation;
      this.series.push(series);
    }
  }
}

/** Processes one attempt against the previous state; never throws on bad input. */
export function processScrape(attempt: ScrapeAttempt, shaping: ScrapeShaping, previous: ScrapeState): ScrapeOutcome {
  const ts = attempt.startedMs;
  const generation = ++generations;
  let scraped = 0;
  let kept: ScrapedSample[] = [];
  let series: CachedSeries[] = [];
  let cache = previous.cache;
  let visitor: ScrapeVisitor | undefined;
  let error: string | undefined;
  try {
    const res = attempt.response;
    if (res === undefined) throw new ScrapeFailure(attempt.error ?? "no response");
    if (res.status < 200 || res.status > 299) throw new ScrapeFailure(`server returned HTTP status ${res.status}`);
    const format = formatFromContentType(res.contentType);
    if (cache === undefined || !cache.fits(format, shaping.targetLabels, shaping.filter)) cache = new SeriesCache(format, shaping.targetLabels, shaping.filter);
    const { sampleLimit = 0, labelLimit = 0 } = shaping.limits;
    visitor = new ScrapeVisitor(cache, generation, ts, labelLimit);
    try {
      scanExposition(res.body, format, visitor);
    } catch (err) {
      if (err instanceof ExpositionParseError) throw new ScrapeFailure(`invalid exposition: ${err.message}`);
      throw err;
    }
    scraped = visitor.scraped;
    if (visitor.labelLimitError !== undefined) throw new ScrapeFailure(visitor.labelLimitError);
    kept = visitor.kept;
    series = visitor.series;
    if (sampleLimit > 0 && kept.length > sampleLimit) throw new ScrapeFailure(`sample_limit exceeded (samples: ${kept.length}, limit: ${sampleLimit})`);
  } catch (err) {
    if (!(err instanceof ScrapeFailure)) throw err;
    error = err.message;
    series = [];
    kept = [];
  }
  if (cache !== undefined && visitor !== undefined) cache.sweep(generation, visitor.textsRead, error === undefined);
  const postRelabel = error === undefined ? kept.length : 0;
  // A series present last time and absent now (or every series, when the scrape failed) is stale.
  // Entries of a replaced cache (new target labels or relabel rules) are not marked by this
  // scrape: those series are compared by identity instead.
  const present = cache === previous.cache || previous.series.length === 0 ? undefined : new Set(series.map((s) => seriesKey(s.name, s.labels)));
  for (const s of previous.series) {
    const gone = present === undefined ? s.activeIn !== generation : !present.has(seriesKey(s.name, s.labels));
    if (error !== undefined || gone) kept.push({ name: s.name, labels: s.labels, value: STALE_NAN, timestampMs: ts, stale: true });
  }
  const synthetic = (name: string, value: number): ScrapedSample => ({ name, labels: { ...shaping.targetLabels }, value, timestampMs: ts });
  kept.push(
    synthetic("up", error === undefined ? 1 : 0),
    synthetic("scrape_duration_seconds", attempt.durationSeconds),
    synthetic("scrape_samples_scraped", scraped),
    synthetic("scrape_samples_post_metric_relabeling", postRelabel),
  );
  const state = { series, cache };
  return error === undefined ? { up: true, samples: kept, state } : { up: false, error, samples: kept, state };
}
