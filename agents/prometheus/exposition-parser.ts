/**
 * A hand-written scanner for the Prometheus text format 0.0.4 and OpenMetrics 1.0.
 *
 * Why our own: no maintained npm parser keeps labels on histograms (ECOSYSTEM.md). Why a
 * scanner over charCodeAt rather than regexes: one pass, no per-character allocations, and
 * it cannot backtrack, so garbage input ends in linear time with an ExpositionParseError.
 *
 * Why one file of about 600 lines: the scanner is one job — a single pass whose methods share
 * the position, the line and the family being read. The lexicon (exposition-grammar.ts) and
 * number tokens (exposition-number.ts) stand apart; splitting the pass itself would only move
 * its state into parameters on the hot path.
 *
 * Specs: https://prometheus.io/docs/instrumenting/exposition_formats/ ("text format") and
 * https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md ("OM").
 */
import { COMMA, COMMENT_WORDS, EQ, HASH, HASH_MASK, isNameChar, isNameStart, LBRACE, LF, MAX_EXEMPLAR_LABEL_CHARS, METRIC_TYPES, OM_SUFFIXES, QUOTE, quote, RBRACE, SP, TAB, TEXT_STRIPPABLE, TEXT_SUFFIXES, BSL, textHash } from "./exposition-grammar.ts";
import { parseNumberToken, plainDecimal } from "./exposition-number.ts";
import type { Exemplar, ExpositionFormat, ExpositionVisitor, KnownSeries, MetricFamily, MetricType, ParsedExposition, Sample } from "./exposition.types.ts";

export type { ExpositionFormat, ExpositionVisitor, KnownSeries, MetricFamily, MetricType, ParsedExposition, Sample } from "./exposition.types.ts";
export { parseNumberToken } from "./exposition-number.ts";
export { textHash } from "./exposition-grammar.ts";

/** Thrown for any malformed input; the message reads `line N: reason`. */
export class ExpositionParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "ExpositionParseError";
  }
}

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

class ExpositionScanner<S extends KnownSeries> {
  private pos = 0;
  private line = 1;
  private readonly om: boolean;
  private readonly suffixes: Partial<Record<MetricType, readonly string[]>>;
  private readonly samples: Sample[] = [];
  private readonly families = new Map<string, MetricFamily>();
  private readonly typed = new Set<MetricFamily>();
  private current: MetricFamily | undefined;
  private sawEof = false;
  /** Families that already have samples (metadata after samples is an error). */
  private readonly withSamples = new Set<MetricFamily>();
  private lastName = "";
  private lastMetricName = "";
  private lastMetricAt = 0;
  private lastFamily: MetricFamily | undefined;
  // Label names repeat on nearly every line: one string per distinct name, not per occurrence,
  // saves an allocation each and lets V8 use them as property keys directly.
  private readonly labelNames = new Map<number, { name: string; at: number }>();
  /** Where plainDecimal's last number ended (one object per scan, none per value). */
  private readonly decimal = { end: 0 };

  constructor(
    private readonly src: string,
    private readonly format: ExpositionFormat,
    private readonly visitor: ExpositionVisitor<S> | undefined,
  ) {
    this.om = format === "openmetrics";
    this.suffixes = this.om ? OM_SUFFIXES : TEXT_SUFFIXES;
  }

  run(): ParsedExposition {
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
        this.comment();
      } else {
        this.sample();
      }
      if (this.pos < len) {
        this.pos++; // the LF that ends this line
        if (!this.sawEof) this.line++;
      }
    }
    // OM: "The exposition MUST end with an EOF line" (`# EOF`), optionally followed by one LF.
    if (this.om && !this.sawEof) this.fail("missing # EOF at the end of OpenMetrics exposition");
    return { format: this.format, samples: this.samples, families: [...this.families.values()] };
  }

  private fail(reason: string): never {
    throw new ExpositionParseError(this.line, reason);
  }

  private skipBlanks(): void {
    const src = this.src;
    let c = src.charCodeAt(this.pos);
    while (c === SP || c === TAB) c = src.charCodeAt(++this.pos);
  }

  /** Expects at least one blank (OM: exactly one space) and skips it. */
  private separator(what: string): void {
    const c = this.src.charCodeAt(this.pos);
    if (c !== SP && c !== TAB) this.fail(`expected a space before ${what}, got ${this.describeHere()}`);
    if (this.om) {
      if (c !== SP || this.src.charCodeAt(this.pos + 1) === SP) this.fail(`expected exactly one space before ${what}`);
      this.pos++;
    } else this.skipBlanks();
  }

  private describeHere(): string {
    if (this.pos >= this.src.length) return "end of input";
    const c = this.src.charCodeAt(this.pos);
    return c === LF ? "end of line" : quote(this.src[this.pos] ?? "");
  }

  private restOfLine(): string {
    const end = this.src.indexOf("\n", this.pos);
    return this.src.slice(this.pos, end < 0 ? this.src.length : end);
  }

  private token(): string {
    const src = this.src, start = this.pos;
    let c = src.charCodeAt(this.pos);
    while (this.pos < src.length && c !== SP && c !== TAB && c !== LF) c = src.charCodeAt(++this.pos);
    return src.slice(start, this.pos);
  }

  /** The label name in src[start, end), from the cache when `hash` finds the same characters. */
  private labelName(start: number, end: number, hash: number): string {
    const key = hash & HASH_MASK;
    const cached = this.labelNames.get(key);
    if (cached !== undefined && cached.name.length === end - start && this.same(cached.at, start, end - start)) return cached.name;
    const name = this.src.slice(start, end);
    this.labelNames.set(key, { name, at: start });
    return name;
  }

  /** True when src holds the same `n` characters at `a` and at `b` (no second string to read). */
  private same(a: number, b: number, n: number): boolean {
    const src = this.src;
    for (let i = 0; i < n; i++) if (src.charCodeAt(a + i) !== src.charCodeAt(b + i)) return false;
    return true;
  }

  private metricName(): string {
    const src = this.src, start = this.pos;
    let end = start;
    let c = src.charCodeAt(end);
    if (isNameStart(c)) {
      do c = src.charCodeAt(++end);
      while (isNameChar(c));
    }
    this.pos = end;
    if (end === start || (end < src.length && c !== SP && c !== TAB && c !== LF && c !== LBRACE)) {
      this.pos = start;
      let bad = "";
      while (this.pos < src.length && !" \t\n{".includes(src[this.pos] ?? "")) bad += src[this.pos++];
      this.fail(`invalid metric name ${quote(bad)}`);
    }
    // Consecutive lines mostly name the same metric (TYPE, then the samples of a family).
    const last = this.lastMetricName;
    if (last.length === end - start && this.same(this.lastMetricAt, start, end - start)) return last;
    this.lastMetricAt = start;
    return (this.lastMetricName = src.slice(start, end));
  }

  private comment(): void {
    const src = this.src;
    const start = this.pos;
    this.pos++; // '#'
    if (this.om) {
      if (src.charCodeAt(this.pos) !== SP) this.fail(`invalid comment line ${quote(this.restOfLine())}: OpenMetrics allows only HELP, TYPE, UNIT and EOF`);
      this.pos++;
    } else this.skipBlanks();
    const word = this.commentWord();
    if (this.om && word === "EOF" && this.pos === start + 5) {
      if (this.pos < src.length && src.charCodeAt(this.pos) !== LF) this.fail("invalid # EOF line");
      this.sawEof = true;
      // Only one optional trailing LF may follow.
      if (this.pos + 1 < src.length) {
        this.line++;
        this.fail("content after # EOF is not allowed");
      }
      return;
    }
    const kind = word === "HELP" || word === "TYPE" || (this.om && word === "UNIT") ? word : undefined;
    if (kind === undefined || (this.pos < src.length && src.charCodeAt(this.pos) === LF) || this.pos >= src.length) {
      if (this.om) this.fail(`invalid comment line ${quote(src.slice(start, this.pos) + this.restOfLine())}: OpenMetrics allows only HELP, TYPE, UNIT and EOF`);
      const end = src.indexOf("\n", this.pos);
      this.pos = end < 0 ? src.length : end; // a plain comment in text format
      return;
    }
    this.separator("the metric name");
    const name = this.metricName();
    let text = "";
    if (this.pos < src.length && src.charCodeAt(this.pos) !== LF) {
      this.separator(kind === "HELP" ? "the help text" : kind === "TYPE" ? "the type" : "the unit");
      text = kind === "HELP" ? this.helpText() : kind === "TYPE" ? this.typeWord() : this.restOfLine();
      this.pos += kind === "UNIT" ? text.length : 0;
    }
    const family = this.familyForMetadata(name, kind);
    if (kind === "HELP") {
      if (family.help !== undefined) this.fail(`second HELP line for metric ${quote(name)}`);
      family.help = text;
    } else if (kind === "TYPE") {
      if (this.typed.has(family)) this.fail(`second TYPE line for metric ${quote(name)}`);
      if (this.suffixes[text as MetricType] === undefined) this.fail(`unknown metric type ${quote(text)} for metric ${quote(name)}`);
      this.typed.add(family);
      family.type = text as MetricType;
    } else {
      if (family.unit !== undefined) this.fail(`second UNIT line for metric ${quote(name)}`);
      // OM: "If non-empty, it MUST be a suffix of the MetricFamily name separated by an underscore."
      if (text !== "" && !name.endsWith(`_${text}`)) this.fail(`unit ${quote(text)} is not a suffix of metric name ${quote(name)}`);
      family.unit = text;
    }
  }

  /** The word after "#": HELP, TYPE, UNIT and EOF are matched in place, without a new string. */
  private commentWord(): string {
    const src = this.src, p = this.pos;
    for (const word of COMMENT_WORDS) {
      if (!src.startsWith(word, p)) continue;
      const end = p + word.length;
      const c = src.charCodeAt(end);
      if (end < src.length && c !== SP && c !== TAB && c !== LF) break;
      this.pos = end;
      return word;
    }
    return this.token();
  }

  /** The rest of a TYPE line; the known types are matched in place. */
  private typeWord(): string {
    const src = this.src, p = this.pos;
    for (const type of METRIC_TYPES) {
      const end = p + type.length;
      if (src.startsWith(type, p) && (end === src.length || src.charCodeAt(end) === LF)) {
        this.pos = end;
        return type;
      }
    }
    const text = this.restOfLine();
    this.pos += text.length;
    return text;
  }

  /**
   * HELP text: text format escapes `\\` and `\n`; OM also `\"`. scanExposition only validates
   * it (its visitor has no use for the text): the empty string stands in for it.
   */
  private helpText(): string {
    const src = this.src;
    const start = this.pos;
    const lineEnd = src.indexOf("\n", start);
    const end = lineEnd < 0 ? src.length : lineEnd;
    let escape = start;
    while (escape < end && src.charCodeAt(escape) !== BSL) escape++;
    if (escape === end) {
      this.pos = end;
      return this.visitor === undefined ? src.slice(start, end) : "";
    }
    let out: string | undefined;
    let chunk = start;
    for (;;) {
      const c = this.pos < src.length ? src.charCodeAt(this.pos) : LF;
      if (c === LF) break;
      if (c === BSL) {
        const n = src.charCodeAt(this.pos + 1);
        const rep = n === BSL ? "\\" : n === 110 ? "\n" : n === QUOTE && this.om ? '"' : undefined;
        if (rep === undefined) this.fail(`invalid escape sequence ${src.slice(this.pos, this.pos + 2).trimEnd()} in HELP text`);
        out = (out ?? "") + src.slice(chunk, this.pos) + rep;
        this.pos += 2;
        chunk = this.pos;
      } else this.pos++;
    }
    return out === undefined ? src.slice(start, this.pos) : out + src.slice(chunk, this.pos);
  }

  private newFamily(name: string): MetricFamily {
    const family: MetricFamily = { name, type: this.om ? "unknown" : "untyped", samples: [] };
    this.families.set(name, family);
    this.current = family;
    return family;
  }

  private familyForMetadata(name: string, kind: string): MetricFamily {
    const cur = this.current;
    if (cur !== undefined && cur.name === name) {
      if (this.withSamples.has(cur)) this.fail(`${kind} line for metric ${quote(name)} after its samples`);
      return cur;
    }
    const known = this.families.get(name);
    if (known === undefined) return this.newFamily(name);
    // OM: "All lines for a given MetricFamily MUST be together." Text format: metadata first.
    if (this.om) this.fail(`metric family ${quote(name)} appears more than once; its lines must be together`);
    if (this.withSamples.has(known)) this.fail(`${kind} line for metric ${quote(name)} after its samples`);
    this.current = known;
    return known;
  }

  private belongs(family: MetricFamily, name: string): boolean {
    const base = family.name;
    if (!name.startsWith(base)) return false;
    for (const suffix of this.suffixes[family.type] ?? [""]) {
      if (name.length === base.length + suffix.length && (suffix === "" || name.endsWith(suffix))) return true;
    }
    return false;
  }

  private familyForSample(name: string): MetricFamily {
    const cur = this.current;
    if (cur !== undefined && this.belongs(cur, name)) return cur;
    if (this.om) {
      const clash = this.families.get(name);
      if (clash !== undefined && clash === cur) {
        const allowed = (this.suffixes[clash.type] ?? [""]).map((x) => clash.name + x).join(", ");
        this.fail(`sample ${quote(name)} does not belong to ${clash.type} family ${quote(clash.name)} (expected ${allowed})`);
      }
      if (clash !== undefined) this.fail(`metric family ${quote(name)} appears more than once; its lines must be together`);
      return this.newFamily(name);
    }
    const exact = this.families.get(name);
    if (exact !== undefined && this.belongs(exact, name)) return (this.current = exact);
    for (const suffix of TEXT_STRIPPABLE) {
      if (!name.endsWith(suffix)) continue;
      const base = this.families.get(name.slice(0, name.length - suffix.length));
      if (base !== undefined && this.belongs(base, name)) return (this.current = base);
    }
    return exact ?? this.newFamily(name);
  }

  private sample(): void {
    const src = this.src;
    const visitor = this.visitor;
    if (visitor !== undefined) return this.visit(visitor);
    const name = this.metricName();
    const family = this.familyOf(name);
    let labels: Record<string, string> = {};
    if (src.charCodeAt(this.pos) === LBRACE) {
      this.pos++;
      labels = this.labelSet("");
    }
    this.checkTypeLabels(family, name, labels);
    const exemplar = this.valueAndRest(family, name);
    const sample: Sample = { name, labels, value: this.value, timestampMs: this.timestampMs, exemplar };
    this.samples.push(sample);
    family.samples.push(sample);
  }

  private familyOf(name: string): MetricFamily {
    // Consecutive samples mostly belong to the family of the line before.
    if (name === this.lastName && this.current === this.lastFamily && this.lastFamily !== undefined) return this.lastFamily;
    const family = this.familyForSample(name);
    this.withSamples.add(family);
    this.lastName = name;
    this.lastFamily = family;
    return family;
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
      family = this.familyOf(known.name);
    } else {
      // Name, family, then labels: the order parseExposition reports errors in.
      const name = this.metricName();
      family = this.familyOf(name);
      let labels: Record<string, string> = {};
      if (src.charCodeAt(this.pos) === LBRACE) {
        this.pos++;
        labels = this.labelSet("");
      }
      series = visitor.create(name, labels, src, start, this.pos, this.pos === end ? hash : textHash(src, start, this.pos));
    }
    this.checkTypeLabels(family, series.name, series);
    this.valueAndRest(family, series.name);
    visitor.sample(series, this.value, this.timestampMs);
  }

  private textHash = 0;

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

  // The value and timestamp of the line just read by valueAndRest (fields: no object per line).
  private value = 0;
  private timestampMs: number | undefined;

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

  /** Parses `name="value",...}` after the opening brace (the brace is consumed). */
  private labelSet(context: string): Record<string, string> {
    const src = this.src;
    const labels: Record<string, string> = {};
    this.skipBlanksIfText();
    while (src.charCodeAt(this.pos) !== RBRACE) {
      const start = this.pos;
      let c = src.charCodeAt(this.pos);
      let hash = 0;
      if (isNameStart(c) && c !== 58) {
        do {
          hash = (Math.imul(hash, 31) + c) | 0;
          c = src.charCodeAt(++this.pos);
        } while (isNameChar(c) && c !== 58);
      }
      if (this.pos === start) this.fail(`invalid label name ${quote(this.labelNameJunk())}${context}`);
      const label = this.labelName(start, this.pos, hash);
      this.skipBlanksIfText();
      if (src.charCodeAt(this.pos) !== EQ) this.fail(`expected "=" after label name ${quote(label)}, got ${this.describeHere()}${context}`);
      this.pos++;
      this.skipBlanksIfText();
      if (src.charCodeAt(this.pos) !== QUOTE) this.fail(`expected a quoted value for label ${quote(label)}, got ${this.describeHere()}${context}`);
      this.pos++;
      const value = this.labelValue(label);
      // hasOwn only when a lookup hits something: inherited names like "toString" are legal labels.
      if (labels[label] !== undefined && Object.hasOwn(labels, label)) this.fail(`duplicate label name ${quote(label)}${context}`);
      if (label === "__proto__") Object.defineProperty(labels, label, { value, enumerable: true, writable: true, configurable: true });
      else labels[label] = value;
      this.skipBlanksIfText();
      c = src.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.skipBlanksIfText();
      } else if (c !== RBRACE) this.fail(`expected "," or "}" after the value of label ${quote(label)}, got ${this.describeHere()}${context}`);
    }
    this.pos++;
    return labels;
  }

  private skipBlanksIfText(): void {
    if (!this.om) this.skipBlanks();
  }

  private labelNameJunk(): string {
    const end = this.src.slice(this.pos, this.pos + 60).search(/[=,}\n]/);
    return this.src.slice(this.pos, end < 0 ? this.pos + 60 : this.pos + end);
  }

  /** A label value after its opening quote: escapes `\\`, `\"` and `\n` (both formats). */
  private labelValue(label: string): string {
    const src = this.src;
    const start = this.pos;
    let out: string | undefined;
    let chunk = start;
    for (;;) {
      if (this.pos >= src.length) this.fail(`unterminated value for label ${quote(label)}`);
      const c = src.charCodeAt(this.pos);
      if (c === QUOTE) break;
      if (c === LF) this.fail(`unterminated value for label ${quote(label)}`);
      if (c === BSL) {
        const n = src.charCodeAt(this.pos + 1);
        const rep = n === BSL ? "\\" : n === QUOTE ? '"' : n === 110 ? "\n" : undefined;
        if (rep === undefined) this.fail(`invalid escape sequence ${src.slice(this.pos, this.pos + 2).trimEnd()} in value of label ${quote(label)}`);
        out = (out ?? "") + src.slice(chunk, this.pos) + rep;
        this.pos += 2;
        chunk = this.pos;
      } else this.pos++;
    }
    const value = out === undefined ? src.slice(start, this.pos) : out + src.slice(chunk, this.pos);
    this.pos++; // closing quote
    return value;
  }

  /** Histogram buckets need `le`, summary quantiles need `quantile` (both formats). */
  private checkTypeLabels(family: MetricFamily, name: string, labels: Record<string, string> | KnownSeries): void {
    const t = family.type;
    if ((t === "histogram" || t === "gaugehistogram") && name.length === family.name.length + 7) {
      const le = labels["le"];
      if (le === undefined) this.fail(`histogram bucket ${quote(name)} has no "le" label`);
      if (Number.isNaN(parseNumberToken(le))) this.fail(`invalid "le" label value ${quote(le)}`);
    } else if (t === "summary" && name.length === family.name.length) {
      const q = labels["quantile"];
      if (q === undefined) this.fail(`summary quantile ${quote(name)} has no "quantile" label`);
      if (Number.isNaN(parseNumberToken(q))) this.fail(`invalid "quantile" label value ${quote(q)}`);
    }
  }

  private number(what: string): number {
    const fast = plainDecimal(this.src, this.pos, true, this.decimal);
    if (!Number.isNaN(fast)) {
      this.pos = this.decimal.end;
      return fast;
    }
    const tok = this.token();
    const v = parseNumberToken(tok);
    if (Number.isNaN(v) && tok.toLowerCase() !== "nan") this.fail(`invalid ${what} ${quote(tok)}`);
    return v;
  }

  /** Text format: integer milliseconds. OM: seconds, may be fractional. */
  private timestamp(): number {
    // Text format timestamps are integers: its fast path refuses a "." (the checks below explain why).
    const fast = plainDecimal(this.src, this.pos, this.om, this.decimal);
    if (!Number.isNaN(fast)) {
      this.pos = this.decimal.end;
      return this.om ? Math.round(fast * 1000) : fast;
    }
    const tok = this.token();
    if (this.om) {
      const s = parseNumberToken(tok);
      if (!Number.isFinite(s)) this.fail(`invalid timestamp ${quote(tok)}`);
      return Math.round(s * 1000);
    }
    if (!/^-?\d{1,19}$/.test(tok)) this.fail(`invalid timestamp ${quote(tok)}: text format timestamps are integer milliseconds`);
    return Number(tok);
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
