/**
 * The lexicon of the exposition formats: character classes, the sample-name suffixes each metric
 * type allows, the words of comment lines, and the hash the scanner keys its name caches by.
 */
import type { MetricType } from "./exposition.types.ts";

export const LF = 10, SP = 32, TAB = 9, HASH = 35, LBRACE = 123, RBRACE = 125, EQ = 61, COMMA = 44, QUOTE = 34, BSL = 92;

// Which sample names belong to a family of each type (text format section "Histograms and
// summaries"; OM section "Metric types"). Text counters carry no suffix: the name is the family.
export const TEXT_SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: [""], gauge: [""], untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};
export const OM_SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: ["_total", "_created"], gauge: [""], unknown: [""], stateset: [""], info: ["_info"],
  histogram: ["_bucket", "_sum", "_count", "_created"],
  gaugehistogram: ["_bucket", "_gsum", "_gcount"],
  summary: ["", "_sum", "_count", "_created"],
};
export const COMMENT_WORDS = ["HELP", "TYPE", "UNIT", "EOF"] as const;
export const METRIC_TYPES: readonly MetricType[] = ["counter", "gauge", "histogram", "summary", "untyped", "unknown", "gaugehistogram", "info", "stateset"];
export const TEXT_STRIPPABLE = ["_bucket", "_sum", "_count"] as const;
// OM: "The combined length of the label names and values of an Exemplar's LabelSet MUST NOT exceed 128 UTF-8 characters."
export const MAX_EXEMPLAR_LABEL_CHARS = 128;

export function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58; // a-z A-Z _ :
}
export function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
export function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

// Name caches are keyed by a hash kept inside the small-integer range, so lookups never box.
export const HASH_MASK = 0x3fffffff;

/** The hash scanExposition gives a visitor for the series text src[start, end). */
export function textHash(src: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + src.charCodeAt(i)) | 0;
  return h & HASH_MASK;
}
