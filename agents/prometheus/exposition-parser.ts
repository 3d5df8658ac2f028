/**
 * A hand-written parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0: the public
 * entry points and the pass over a payload's lines. Why our own: no maintained npm parser keeps
 * labels on histograms (ECOSYSTEM.md).
 *
 * The pass is split by job: the tokens of a line (exposition-cursor.ts, which the scanner
 * extends), comment lines (exposition-metadata.ts), family bookkeeping and type rules
 * (exposition-families.ts), the lexicon (exposition-grammar.ts) and number tokens
 * (exposition-number.ts). What stays here is the loop and the reading of a sample line.
 *
 * Specs: https://prometheus.io/docs/instrumenting/exposition_formats/ ("text format") and
 * https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md ("OM").
 */
import { ExpositionCursor } from "./exposition-cursor.ts";
import { MetricFamilies } from "./exposition-families.ts";
import { BSL, HASH, HASH_MASK, LBRACE, LF, MAX_EXEMPLAR_LABEL_CHARS, QUOTE, quote, RBRACE, SP, TAB, textHash } from "./exposition-grammar.ts";
import { readCommentLine } from "./exposition-metadata.ts";
import type { Exemplar, ExpositionFormat, ExpositionVisitor, KnownSeries, MetricFamily, ParsedExposition, Sample } from "./exposition.types.ts";

export type { ExpositionFormat, ExpositionVisitor, KnownSeries, MetricFamily, MetricType, ParsedExposition, Sample } from "./exposition.types.ts";
export { ExpositionParseError } from "./exposition-cursor.ts";
export { parseNumberToken } from "./exposition-number.ts";
export { textHash } from "./exposition-grammar.ts";

/** Picks the format from a Content-Type header; anything but OpenMetrics is text 0.0.4. */
export function formatFromContentType(contentType: string | undefined | null): ExpositionFormat {
  return contentType !== undefined && contentType !== null && contentType.toLowerCase().includes("application/openmetrics-text") ? "openmetrics" : "text";
}

/** Parses one exposition payload into a flat sample list plus metric families. */
export function parseExposition(input: string, format: ExpositionFormat = "text"): ParsedExposition {
  return new ExpositionScanner(input, format, undefined).run();
}

/**
 * Validates a payload exactly as parseExposition does, but hands each sample to `visitor`
 * instead of building Sample objects and families: a series whose text the visitor already
 * knows is not parsed into labels again (the scraper's series cache, as Prometheus keeps one).
 */
export function scanExposition<S extends KnownSeries>(input: string, format: ExpositionFormat, visitor: ExpositionVisitor<S>): void {
  new ExpositionScanner(input, format, visitor).run();
}

class ExpositionScanner<S extends KnownSeries> extends ExpositionCursor {
  private readonly samples: Sample[] = [];
  private readonly families = new MetricFamilies(this);
  private sawEof = false;
  /** The textHash of the series text seriesTextEnd last read. */
  private textHash = 0;
  // The value and timestamp of the line just read by valueAndRest (fields: no object per line).
  private value = 0;
  private timestampMs: number | undefined;

  constructor(
    src: string,
    private readonly format: ExpositionFormat,
    private readonly visitor: ExpositionVisitor<S> | undefined,
  ) {
    super(src, format === "openmetrics");
  }

  run(): ParsedExposition {
    this.lines();
    // OM: "The exposition MUST end with an EOF line" (`# EOF`), optionally followed by one LF.
    if (this.om && !this.sawEof) this.fail("missing # EOF at the end of OpenMetrics exposition");
    return { format: this.format, samples: this.samples, families: this.families.list() };
  }

  /**
   * The loop over lines, with nothing after it: V8 compiles a long loop on its own (on-stack
   * replacement) and keeps that code when it deoptimizes after the loop, so code placed after
   * the loop that had no type feedback yet would deoptimize on every later parse (seen as
   * parses 30-40 % slower for the whole life of a process).
   */
  private lines(): void {
    const src = this.src, len = src.length;
    while (this.pos < len) {
      if (this.sawEof) this.fail("content after # EOF is not allowed");
      let c = src.charCodeAt(this.pos);
      if (!this.om && (c === SP || c === TAB)) {
        this.skipBlanks();
        c = this.pos < len ? src.charCodeAt(this.pos) : LF;
      }
      if (c === LF) {
        if (this.om) this.fail("empty lines are not allowed in OpenMetrics");
      } else if (c === HASH) {
        this.sawEof = readCommentLine(this, this.families, this.visitor === undefined);
      } else {
        this.sample();
      }
      if (this.pos < len) {
        this.pos++; // the LF that ends this line
        if (!this.sawEof) this.line++;
      }
    }
  }

  private sample(): void {
    const src = this.src;
    const visitor = this.visitor;
    if (visitor !== undefined) return this.visit(visitor);
    const name = this.metricName();
    const family = this.families.ofSample(name);
    let labels: Record<string, string> = {};
    if (src.charCodeAt(this.pos) === LBRACE) {
      this.pos++;
      labels = this.labelSet("");
    }
    this.families.checkTypeLabels(family, name, labels);
    const exemplar = this.valueAndRest(family, name);
    const sample: Sample = { name, labels, value: this.value, timestampMs: this.timestampMs, exemplar };
    this.samples.push(sample);
    family.samples.push(sample);
  }

  /**
   * scanExposition's sample: the series text is hashed and offered to the visitor before its
   * name or labels are parsed. A known text was validated when it was first seen, so only the
   * checks that depend on the rest of the payload (family, type labels, value) run again.
   */
  private visit(visitor: ExpositionVisitor<S>): void {
    const src = this.src;
    const start = this.pos;
    const end = this.seriesTextEnd(start);
    const hash = this.textHash;
    const known = end > start ? visitor.known(src, start, end, hash) : undefined;
    let series: S;
    let family: MetricFamily;
    if (known !== undefined) {
      this.pos = end;
      series = known;
      family = this.families.ofSample(known.name);
    } else {
      // Name, family, then labels: the order parseExposition reports errors in.
      const name = this.metricName();
      family = this.families.ofSample(name);
      let labels: Record<string, string> = {};
      if (src.charCodeAt(this.pos) === LBRACE) {
        this.pos++;
        labels = this.labelSet("");
      }
      series = visitor.create(name, labels, src, start, this.pos, this.pos === end ? hash : textHash(src, start, this.pos));
    }
    this.families.checkTypeLabels(family, series.name, series);
    this.valueAndRest(family, series.name);
    visitor.sample(series, this.value, this.timestampMs);
  }

  /**
   * Where the series text starting at `start` ends (a name, then its label set up to the
   * closing brace: only quotes and escapes matter), with its textHash in this.textHash; -1 when
   * the line ends inside the label set (the full parser then reports why).
   */
  private seriesTextEnd(start: number): number {
    const src = this.src, len = src.length;
    let i = start, h = 0;
    let c = src.charCodeAt(i);
    while (i < len && c !== SP && c !== TAB && c !== LF && c !== LBRACE) {
      h = (Math.imul(h, 31) + c) | 0;
      c = src.charCodeAt(++i);
    }
    if (i < len && c === LBRACE) {
      let inValue = false;
      for (;;) {
        if (i >= len || c === LF) return -1;
        h = (Math.imul(h, 31) + c) | 0;
        i++;
        if (inValue) {
          if (c === BSL) {
            if (i >= len) return -1;
            h = (Math.imul(h, 31) + src.charCodeAt(i)) | 0;
            i++;
          } else if (c === QUOTE) inValue = false;
        } else if (c === QUOTE) inValue = true;
        else if (c === RBRACE) break;
        c = src.charCodeAt(i);
      }
    }
    this.textHash = h & HASH_MASK;
    return i;
  }

  /** Reads the value, optional timestamp and optional exemplar after a series. */
  private valueAndRest(family: MetricFamily, name: string): Exemplar | undefined {
    const src = this.src, len = src.length;
    this.separator("the value");
    const value = this.number("value");
    let timestampMs: number | undefined;
    let exemplar: Exemplar | undefined;
    if (this.pos < len && src.charCodeAt(this.pos) !== LF) {
      this.separator("the timestamp");
      // Text format tolerates trailing blanks; OM's single-space rule already refused them.
      if (this.pos < len && src.charCodeAt(this.pos) !== HASH && src.charCodeAt(this.pos) !== LF) {
        timestampMs = this.timestamp();
        if (this.pos < len && src.charCodeAt(this.pos) !== LF) this.separator("the exemplar");
      }
      if (this.pos < len && src.charCodeAt(this.pos) === HASH) {
        if (!this.om) this.fail(`unexpected text after the sample: ${quote(this.restOfLine())}`);
        exemplar = this.exemplar(family, name);
      }
      if (this.pos < len && src.charCodeAt(this.pos) !== LF) this.fail(`unexpected text after the sample: ${quote(this.restOfLine())}`);
    }
    this.value = value;
    this.timestampMs = timestampMs;
    return exemplar;
  }

  /** OM exemplar: `# {labels} value [timestamp]` on a counter total or histogram bucket. */
  private exemplar(family: MetricFamily, name: string): Exemplar {
    const src = this.src;
    this.pos++; // '#'
    this.separator("the exemplar labels");
    const okTarget = (family.type === "counter" && name.endsWith("_total")) || ((family.type === "histogram" || family.type === "gaugehistogram") && name.endsWith("_bucket"));
    if (!okTarget) this.fail(`exemplars are only allowed on counter totals and histogram buckets, not on ${quote(name)}`);
    if (src.charCodeAt(this.pos) !== LBRACE) this.fail(`expected "{" to open the exemplar labels, got ${this.describeHere()}`);
    this.pos++;
    const labels = this.labelSet(" in exemplar");
    let chars = 0;
    for (const k in labels) chars += k.length + (labels[k]?.length ?? 0);
    if (chars > MAX_EXEMPLAR_LABEL_CHARS) this.fail(`exemplar labels are ${chars} characters long; at most ${MAX_EXEMPLAR_LABEL_CHARS} are allowed`);
    this.separator("the exemplar value");
    const value = this.number("exemplar value");
    let timestampMs: number | undefined;
    if (this.pos < src.length && src.charCodeAt(this.pos) !== LF) {
      this.separator("the exemplar timestamp");
      timestampMs = this.timestamp();
    }
    return timestampMs === undefined ? { labels, value } : { labels, value, timestampMs };
  }
}
