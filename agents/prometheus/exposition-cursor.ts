/**
 * The lexer of the exposition formats: a cursor over one payload that reads the tokens of a line
 * (blanks, metric names, label sets, values, timestamps) and reports what is wrong, and on which
 * line, as an ExpositionParseError.
 *
 * Why a cursor over charCodeAt rather than regexes: one pass, no per-character allocations, and
 * it cannot backtrack, so garbage input ends in linear time with an ExpositionParseError.
 *
 * The scanner (exposition-parser.ts) extends this class rather than holding one: the position is
 * then a field of the object the hot loop already has, not one dereference further, and V8 sees
 * a single shape at every call site since only the scanner is ever constructed.
 */
import { COMMA, EQ, HASH_MASK, isNameChar, isNameStart, LBRACE, LF, QUOTE, quote, RBRACE, SP, TAB, BSL } from "./exposition-grammar.ts";
import { parseNumberToken, plainDecimal } from "./exposition-number.ts";

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

export class ExpositionCursor {
  /** Where the next character to read is. */
  pos = 0;
  /** The line being read, 1-based, for error messages. */
  line = 1;
  private lastMetricName = "";
  private lastMetricAt = 0;
  // Label names repeat on nearly every line: one string per distinct name, not per occurrence,
  // saves an allocation each and lets V8 use them as property keys directly.
  private readonly labelNames = new Map<number, { name: string; at: number }>();
  /** Where plainDecimal's last number ended (one object per scan, none per value). */
  private readonly decimal = { end: 0 };

  constructor(
    readonly src: string,
    /** OpenMetrics 1.0 rather than text 0.0.4: single spaces, no blank lines, float timestamps. */
    readonly om: boolean,
  ) {}

  fail(reason: string): never {
    throw new ExpositionParseError(this.line, reason);
  }

  skipBlanks(): void {
    const src = this.src;
    let c = src.charCodeAt(this.pos);
    while (c === SP || c === TAB) c = src.charCodeAt(++this.pos);
  }

  /** Expects at least one blank (OM: exactly one space) and skips it. */
  separator(what: string): void {
    const c = this.src.charCodeAt(this.pos);
    if (c !== SP && c !== TAB) this.fail(`expected a space before ${what}, got ${this.describeHere()}`);
    if (this.om) {
      if (c !== SP || this.src.charCodeAt(this.pos + 1) === SP) this.fail(`expected exactly one space before ${what}`);
      this.pos++;
    } else this.skipBlanks();
  }

  describeHere(): string {
    if (this.pos >= this.src.length) return "end of input";
    const c = this.src.charCodeAt(this.pos);
    return c === LF ? "end of line" : quote(this.src[this.pos] ?? "");
  }

  restOfLine(): string {
    const end = this.src.indexOf("\n", this.pos);
    return this.src.slice(this.pos, end < 0 ? this.src.length : end);
  }

  token(): string {
    const src = this.src, start = this.pos;
    let c = src.charCodeAt(this.pos);
    while (this.pos < src.length && c !== SP && c !== TAB && c !== LF) c = src.charCodeAt(++this.pos);
    return src.slice(start, this.pos);
  }

  /** True when src holds the same `n` characters at `a` and at `b` (no second string to read). */
  private same(a: number, b: number, n: number): boolean {
    const src = this.src;
    for (let i = 0; i < n; i++) if (src.charCodeAt(a + i) !== src.charCodeAt(b + i)) return false;
    return true;
  }

  metricName(): string {
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

  /** Parses `name="value",...}` after the opening brace (the brace is consumed). */
  labelSet(context: string): Record<string, string> {
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

  /** The label name in src[start, end), from the cache when `hash` finds the same characters. */
  private labelName(start: number, end: number, hash: number): string {
    const key = hash & HASH_MASK;
    const cached = this.labelNames.get(key);
    if (cached !== undefined && cached.name.length === end - start && this.same(cached.at, start, end - start)) return cached.name;
    const name = this.src.slice(start, end);
    this.labelNames.set(key, { name, at: start });
    return name;
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

  number(what: string): number {
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
  timestamp(): number {
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
}
