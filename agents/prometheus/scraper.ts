/**
 * The Prometheus scrape collector: fetches one target per call through an injected adapter,
 * with the target's timeout, and keeps per-target staleness state (agents/collector.ts).
 */
import type { TargetCollector, TargetOf, CollectResult } from "../collector.ts";
import type { ScrapeFetcher } from "./http-fetcher.ts";
import { compileRelabelRules, type RelabelRule, type SampleFilter } from "./metric-relabel.ts";
import { EMPTY_SCRAPE_STATE, processScrape, type ScrapeLimits, type ScrapeOutcome, type ScrapeState } from "./scrape-result.ts";

/**
 * What Prometheus 2.x sends: OpenMetrics first, then the text format.
 * https://github.com/prometheus/prometheus/blob/v2.42.0/scrape/scrape.go (scrapeAcceptHeader)
 */
export const SCRAPE_ACCEPT_HEADER =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/** Scraper dependencies and per-agent options. */
export interface ScraperOptions {
  fetch: ScrapeFetcher;
  /** Milliseconds since the epoch; injected so tests control time. */
  now?: () => number;
  limits?: ScrapeLimits;
  relabel?: readonly RelabelRule[];
}

/** The last outcome of a target, for the agent's status page and logs. */
export interface TargetHealth {
  up: boolean;
  error?: string;
  lastScrapeMs: number;
}

/** Scrapes `scrape` targets: samples plus `up`, `scrape_duration_seconds`, `scrape_samples_scraped`. */
export class PrometheusScraper implements TargetCollector<"scrape"> {
  readonly kind = "scrape" as const;
  private readonly states = new Map<string, ScrapeState>();
  private readonly healths = new Map<string, TargetHealth>();
  private readonly filter: SampleFilter;
  private readonly now: () => number;

  constructor(private readonly options: ScraperOptions) {
    this.filter = compileRelabelRules(options.relabel ?? []);
    this.now = options.now ?? Date.now;
  }

  /** Scrapes once; ends by the target's timeout or when `signal` aborts, whichever is first. */
  async collect(target: TargetOf<"scrape">, signal: AbortSignal): Promise<CollectResult> {
    const outcome = await this.scrape(target, signal);
    return { samples: outcome.samples, events: [] };
  }

  /** Like collect, but returns the full outcome (up, error). */
  async scrape(target: TargetOf<"scrape">, signal: AbortSignal): Promise<ScrapeOutcome> {
    const startedMs = this.now();
    const timeoutMs = target.timeoutSeconds * 1000;
    // A plain controller and timer, cleared when the scrape ends: on Node 20 a garbage
    // collection can take AbortSignal.timeout() away from under AbortSignal.any(), and the
    // scrape of a hanging target then never ends.
    const deadline = new AbortController();
    const onAbort = (): void => deadline.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort(new Error(`scrape timed out after ${target.timeoutSeconds}s`));
    }, timeoutMs);
    let response;
    let error: string | undefined;
    try {
      response = await this.options.fetch({
        url: target.url,
        signal: deadline.signal,
        headers: {
          accept: SCRAPE_ACCEPT_HEADER,
          "user-agent": "cityplane-agent",
          // Lets the target size its work to our deadline, as Prometheus does.
          "x-prometheus-scrape-timeout-seconds": String(target.timeoutSeconds),
        },
      });
    } catch (err) {
      error = timedOut && !signal.aborted ? `scrape timed out after ${target.timeoutSeconds}s` : (err as Error).message;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
    const durationSeconds = (this.now() - startedMs) / 1000;
    const url = new URL(target.url);
    const targetLabels = { job: target.entity.name, instance: url.host };
    const attempt = response === undefined ? { startedMs, durationSeconds, error } : { startedMs, durationSeconds, response };
    const outcome = processScrape(attempt, { targetLabels, filter: this.filter, limits: this.options.limits ?? {} }, this.states.get(target.id) ?? EMPTY_SCRAPE_STATE);
    this.states.set(target.id, outcome.state);
    this.healths.set(target.id, outcome.error === undefined ? { up: true, lastScrapeMs: startedMs } : { up: false, error: outcome.error, lastScrapeMs: startedMs });
    return outcome;
  }

  /** The last outcome for a target, if it was scraped. */
  health(targetId: string): TargetHealth | undefined {
    return this.healths.get(targetId);
  }

  forget(targetId: string): void {
    this.states.delete(targetId);
    this.healths.delete(targetId);
  }
}
