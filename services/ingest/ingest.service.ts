import type { CityEvent } from "../../protocol/event.schema.ts";
import { decodeWriteRequest, RemoteWriteLabelCache, seriesKey, type TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { Store } from "../store/store.ts";

/**
 * Ingest: validates decoded remote-write series and event batches, writes them through the
 * Store and reports counts. All or nothing: a batch with one bad series is rejected whole with
 * a message naming it (remote-write senders drop a batch answered 400 and never resend it).
 * The acknowledgement is the resolved promise, which comes only after the store's commit.
 */
export interface IngestLimits {
  maxSeriesPerBatch: number;
  maxSamplesPerBatch: number;
  maxLabelsPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  /** Clock skew tolerated ahead of the server: an agent's clock may run a little fast. */
  maxFutureMs: number;
  /** Samples older than the raw retention would be deleted at the next retention pass. */
  rawRetentionDays: number;
  /** Writes queued behind the single writer before new batches are turned away with 429. */
  maxPendingWrites: number;
  /** What 429 answers ask for (Retry-After, seconds). */
  retryAfterSeconds: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxSeriesPerBatch: 100_000,
  maxSamplesPerBatch: 500_000,
  maxLabelsPerSeries: 32,
  maxLabelNameLength: 128,
  maxLabelValueLength: 1024,
  maxFutureMs: 10 * 60_000,
  rawRetentionDays: 14,
  maxPendingWrites: 8,
  retryAfterSeconds: 2,
});

/** The batch is malformed or out of policy; nothing was stored (→ 400 with the message). */
export class InvalidBatchError extends Error {
  override name = "InvalidBatchError";
}

/** Too many writes are waiting; nothing was stored (→ 429 with Retry-After). */
export class OverloadedError extends Error {
  override name = "OverloadedError";
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export interface SampleIngestResult {
  series: number;
  inserted: number;
  duplicates: number;
  /** Staleness markers and NaN values, not stored. */
  skipped: number;
}

export interface EventIngestResult {
  inserted: number;
  duplicates: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DAY_MS = 86_400_000;

/** Validates and writes batches; the clock is injected so policy tests need no waiting. */
export class IngestService {
  private readonly limits: IngestLimits;
  private pending = 0;
  /** Label sets decoded before: a known series skips string decoding and label validation. */
  private readonly labelCache = new RemoteWriteLabelCache();
  private readonly validLabels = new WeakSet<object>();

  constructor(private readonly store: Store, private readonly clock: () => number, limits: Partial<IngestLimits> = {}) {
    this.limits = { ...DEFAULT_INGEST_LIMITS, ...limits };
  }

  /**
   * Decodes a remote-write body (snappy + protobuf) with this service's label cache; throws
   * RemoteWriteDecodeError naming the fault. The label objects returned are shared and frozen.
   */
  decodeRemoteWrite(body: Uint8Array, maxDecodedBytes: number): TimeSeries[] {
    return decodeWriteRequest(body, { maxDecodedBytes, labelCache: this.labelCache });
  }

  /** Writes a decoded remote-write batch. Throws InvalidBatchError, OverloadedError or StoreUnavailableError. */
  async ingestSamples(series: readonly TimeSeries[]): Promise<SampleIngestResult> {
    this.validateSeries(series);
    const report = await this.withSlot(() => this.store.writeSamples(series));
    return { series: series.length, inserted: report.inserted, duplicates: report.duplicates, skipped: report.skipped ?? 0 };
  }

  /** Writes an events batch (already checked against eventBatchSchema at the edge). */
  async ingestEvents(events: readonly CityEvent[]): Promise<EventIngestResult> {
    const { min, max } = this.window();
    for (const e of events) {
      if (e.ts > max) throw new InvalidBatchError(`event ${e.id}: timestamp ${safeIso(e.ts)} is more than ${this.limits.maxFutureMs / 60_000} minutes in the future`);
      if (e.ts < min) throw new InvalidBatchError(`event ${e.id}: timestamp ${safeIso(e.ts)} is older than the ${this.limits.rawRetentionDays}-day retention`);
    }
    return this.withSlot(() => this.store.writeEvents(events));
  }

  private async withSlot<T>(write: () => Promise<T>): Promise<T> {
    if (this.pending >= this.limits.maxPendingWrites) {
      throw new OverloadedError(`${this.pending} writes already waiting for the database; retry in ${this.limits.retryAfterSeconds} s`, this.limits.retryAfterSeconds);
    }
    this.pending++;
    try {
      return await write();
    } finally {
      this.pending--;
    }
  }

  private window(): { min: number; max: number } {
    const now = this.clock();
    return { min: now - this.limits.rawRetentionDays * DAY_MS, max: now + this.limits.maxFutureMs };
  }

  private validateSeries(series: readonly TimeSeries[]): void {
    const l = this.limits;
    if (series.length > l.maxSeriesPerBatch) throw new InvalidBatchError(`${series.length} series in one batch; at most ${l.maxSeriesPerBatch}`);
    const { min, max } = this.window();
    let samples = 0;
    for (const ts of series) {
      samples += ts.samples.length;
      if (samples > l.maxSamplesPerBatch) throw new InvalidBatchError(`more than ${l.maxSamplesPerBatch} samples in one batch`);
      for (const s of ts.samples) {
        if (!Number.isSafeInteger(s.timestampMs)) throw new InvalidBatchError(`series ${describe(ts)}: timestamp ${s.timestampMs} is not a whole number of milliseconds`);
        if (s.timestampMs > max) throw new InvalidBatchError(`series ${describe(ts)}: sample at ${safeIso(s.timestampMs)} is more than ${l.maxFutureMs / 60_000} minutes in the future`);
        if (s.timestampMs < min) throw new InvalidBatchError(`series ${describe(ts)}: sample at ${safeIso(s.timestampMs)} is older than the ${l.rawRetentionDays}-day raw retention`);
      }
      // Frozen label sets come from the decoder's cache: checked once, trusted after.
      if (this.validLabels.has(ts.labels)) continue;
      const names = Object.keys(ts.labels);
      const name = ts.labels.__name__;
      if (!name || !METRIC_NAME.test(name)) throw new InvalidBatchError(`series ${describe(ts)}: metric name ${JSON.stringify(name ?? "")} is not a valid Prometheus metric name`);
      if (names.length > l.maxLabelsPerSeries) throw new InvalidBatchError(`series ${describe(ts)}: ${names.length} labels; at most ${l.maxLabelsPerSeries}`);
      for (const n of names) {
        if (n === "__name__") continue;
        if (n.length > l.maxLabelNameLength || !LABEL_NAME.test(n)) throw new InvalidBatchError(`series ${describe(ts)}: label name ${JSON.stringify(truncate(n, 140))} is invalid (letters, digits and _, at most ${l.maxLabelNameLength} characters)`);
        if ((ts.labels[n] as string).length > l.maxLabelValueLength) throw new InvalidBatchError(`series ${describe(ts)}: label ${n} is longer than ${l.maxLabelValueLength} characters`);
      }
      if (Object.isFrozen(ts.labels)) this.validLabels.add(ts.labels);
    }
  }
}

/** The series as a user would write it, for error messages. */
function describe(ts: TimeSeries): string {
  return truncate(seriesKey(ts.labels), 200);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function safeIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
