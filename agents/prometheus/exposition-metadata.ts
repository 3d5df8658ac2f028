/**
 * Comment lines of the exposition formats: HELP and TYPE (both formats), UNIT and `# EOF`
 * (OpenMetrics). Text format's other comments are skipped; OpenMetrics allows no others.
 * A family has one line of each at most, so these are read off the per-sample path.
 */
import type { ExpositionCursor } from "./exposition-cursor.ts";
import type { MetadataKind, MetricFamilies } from "./exposition-families.ts";
import { BSL, COMMENT_WORDS, LF, METRIC_TYPES, QUOTE, quote, SP, TAB } from "./exposition-grammar.ts";

/**
 * Reads the comment line at the cursor (on its "#") up to its end and records its metadata in
 * `families`; true when it was OM's `# EOF`. `keepHelp` false: the help text is only validated.
 */
export function readCommentLine(cur: ExpositionCursor, families: MetricFamilies, keepHelp: boolean): boolean {
  const src = cur.src, om = cur.om;
  const start = cur.pos;
  cur.pos++; // '#'
  if (om) {
    if (src.charCodeAt(cur.pos) !== SP) cur.fail(`invalid comment line ${quote(cur.restOfLine())}: OpenMetrics allows only HELP, TYPE, UNIT and EOF`);
    cur.pos++;
  } else cur.skipBlanks();
  const word = commentWord(cur);
  if (om && word === "EOF" && cur.pos === start + 5) {
    if (cur.pos < src.length && src.charCodeAt(cur.pos) !== LF) cur.fail("invalid # EOF line");
    // Only one optional trailing LF may follow.
    if (cur.pos + 1 < src.length) {
      cur.line++;
      cur.fail("content after # EOF is not allowed");
    }
    return true;
  }
  const kind: MetadataKind | undefined = word === "HELP" || word === "TYPE" || (om && word === "UNIT") ? word : undefined;
  if (kind === undefined || (cur.pos < src.length && src.charCodeAt(cur.pos) === LF) || cur.pos >= src.length) {
    if (om) cur.fail(`invalid comment line ${quote(src.slice(start, cur.pos) + cur.restOfLine())}: OpenMetrics allows only HELP, TYPE, UNIT and EOF`);
    const end = src.indexOf("\n", cur.pos);
    cur.pos = end < 0 ? src.length : end; // a plain comment in text format
    return false;
  }
  cur.separator("the metric name");
  const name = cur.metricName();
  let text = "";
  if (cur.pos < src.length && src.charCodeAt(cur.pos) !== LF) {
    cur.separator(kind === "HELP" ? "the help text" : kind === "TYPE" ? "the type" : "the unit");
    text = kind === "HELP" ? helpText(cur, keepHelp) : kind === "TYPE" ? typeWord(cur) : cur.restOfLine();
    cur.pos += kind === "UNIT" ? text.length : 0;
  }
  families.describe(name, kind, text);
  return false;
}

/** The word after "#": HELP, TYPE, UNIT and EOF are matched in place, without a new string. */
function commentWord(cur: ExpositionCursor): string {
  const src = cur.src, p = cur.pos;
  for (const word of COMMENT_WORDS) {
    if (!src.startsWith(word, p)) continue;
    const end = p + word.length;
    const c = src.charCodeAt(end);
    if (end < src.length && c !== SP && c !== TAB && c !== LF) break;
    cur.pos = end;
    return word;
  }
  return cur.token();
}

/** The rest of a TYPE line; the known types are matched in place. */
function typeWord(cur: ExpositionCursor): string {
  const src = cur.src, p = cur.pos;
  for (const type of METRIC_TYPES) {
    const end = p + type.length;
    if (src.startsWith(type, p) && (end === src.length || src.charCodeAt(end) === LF)) {
      cur.pos = end;
      return type;
    }
  }
  const text = cur.restOfLine();
  cur.pos += text.length;
  return text;
}

/**
 * HELP text: text format escapes `\\` and `\n`; OM also `\"`. Unless `keep`, it is only
 * validated (scanExposition's visitor has no use for it): the empty string stands in for it.
 */
function helpText(cur: ExpositionCursor, keep: boolean): string {
  const src = cur.src;
  const start = cur.pos;
  const lineEnd = src.indexOf("\n", start);
  const end = lineEnd < 0 ? src.length : lineEnd;
  let escape = start;
  while (escape < end && src.charCodeAt(escape) !== BSL) escape++;
  if (escape === end) {
    cur.pos = end;
    return keep ? src.slice(start, end) : "";
  }
  let out: string | undefined;
  let chunk = start;
  for (;;) {
    const c = cur.pos < src.length ? src.charCodeAt(cur.pos) : LF;
    if (c === LF) break;
    if (c === BSL) {
      const n = src.charCodeAt(cur.pos + 1);
      const rep = n === BSL ? "\\" : n === 110 ? "\n" : n === QUOTE && cur.om ? '"' : undefined;
      if (rep === undefined) cur.fail(`invalid escape sequence ${src.slice(cur.pos, cur.pos + 2).trimEnd()} in HELP text`);
      out = (out ?? "") + src.slice(chunk, cur.pos) + rep;
      cur.pos += 2;
      chunk = cur.pos;
    } else cur.pos++;
  }
  return out === undefined ? src.slice(start, cur.pos) : out + src.slice(chunk, cur.pos);
}
