/**
 * Shapes shared by the exposition parser, the writer and the scraper.
 * Text format 0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/
 * OpenMetrics 1.0: https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md
 */

/** Which wire format a payload is in. */
export type ExpositionFormat = "text" | "openmetrics";

/** Metric types of both formats ("untyped" is text-only, "unknown" its OpenMetrics name). */
export type MetricType =
  | "counter"
  | "gauge"
  | "histogram"
  | "gaugehistogram"
  | "summary"
  | "info"
  | "stateset"
  | "unknown"
  | "untyped";

/** An OpenMetrics exemplar attached to a counter total or a histogram bucket. */
export interface Exemplar {
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

/** One parsed sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
  exemplar?: Exemplar;
}

/** A metric family: metadata plus its samples (the same objects as in the flat list). */
export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
  samples: Sample[];
}

/** What the parser returns. */
export interface ParsedExposition {
  format: ExpositionFormat;
  samples: Sample[];
  families: MetricFamily[];
}

/** What the scanner needs to know of a series the visitor already has. */
export interface KnownSeries {
  /** The metric name (family and type checks). */
  readonly name: string;
  /** The scraped `le` label, if any. */
  readonly le: string | undefined;
  /** The scraped `quantile` label, if any. */
  readonly quantile: string | undefined;
}

/**
 * Receives the samples of scanExposition; one object per scan, no per-sample closures. A series
 * text is `name{labels}` exactly as written, given as src[start, end) with its textHash so a
 * known one costs no string: the visitor compares the characters itself.
 */
export interface ExpositionVisitor<S extends KnownSeries> {
  /** The visitor's series for this series text, if it has seen it. */
  known(src: string, start: number, end: number, hash: number): S | undefined;
  /** A series text seen for the first time: `labels` are freshly parsed and the visitor's to keep. */
  create(name: string, labels: Record<string, string>, src: string, start: number, end: number, hash: number): S;
  /** One sample of a series (explicit timestamp in ms, if the line had one). */
  sample(series: S, value: number, timestampMs: number | undefined): void;
}
