/**
 * Number tokens of the exposition formats: Go's ParseFloat rules (what Prometheus accepts), and
 * a fast path for the plain decimals that make up nearly every sample value.
 */

/**
 * Parses a number as Prometheus does (Go's ParseFloat, case-insensitive Inf/NaN) but refuses
 * what `Number()` would silently accept: empty strings, whitespace, hex, binary, `Infinity`
 * without a sign is accepted as Go does. Returns NaN for anything invalid.
 */
export function parseNumberToken(tok: string): number {
  const n = tok.length;
  if (n === 0) return NaN;
  let i = 0;
  let c = tok.charCodeAt(0);
  if (c === 43 || c === 45) c = tok.charCodeAt(++i); // + -
  if ((c >= 48 && c <= 57) || c === 46) {
    for (let j = i; j < n; j++) {
      const d = tok.charCodeAt(j);
      // digits . e E + - only: keeps out "0x1f", "1_000", "0b1" that Number() would take.
      if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) return NaN;
    }
    return Number(tok);
  }
  const word = tok.slice(i).toLowerCase();
  if (word === "inf" || word === "infinity") return tok.charCodeAt(0) === 45 ? -Infinity : Infinity;
  return NaN; // "nan" is recognised by the caller, which knows NaN is then a real value
}

/** Exact powers of ten: every one up to 1e22 is a double without rounding. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * A plain decimal (optional "-", at most 15 digits, optional ".", optional exponent) ending at
 * a blank or line end, or NaN; `out.end` is then where it ended (an object the caller keeps,
 * so nothing is allocated per value). m × 10^p with m < 2^53 and |p| <= 22 is one correctly
 * rounded operation on exact doubles (Clinger's fast path), so this equals Number(token)
 * without slicing the token out. Go's %g writes "1.2e+06": the exponent is common, not rare.
 */
export function plainDecimal(src: string, pos: number, allowFraction: boolean, out: { end: number }): number {
  const len = src.length;
  let i = pos;
  let c = src.charCodeAt(i);
  const negative = c === 45;
  if (negative) c = src.charCodeAt(++i);
  let m = 0, digits = 0, fraction = -1;
  for (;;) {
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0 && allowFraction) fraction = 0;
    else break;
    c = src.charCodeAt(++i);
  }
  if (digits === 0 || digits > 15) return NaN;
  let p = fraction > 0 ? -fraction : 0;
  if ((c === 101 || c === 69) && allowFraction) {
    c = src.charCodeAt(++i);
    const negativeExp = c === 45;
    if (negativeExp || c === 43) c = src.charCodeAt(++i);
    let e = 0, expDigits = 0;
    while (c >= 48 && c <= 57 && expDigits < 4) {
      e = e * 10 + (c - 48);
      expDigits++;
      c = src.charCodeAt(++i);
    }
    if (expDigits === 0) return NaN;
    p += negativeExp ? -e : e;
  }
  if ((i < len && c !== 32 && c !== 9 && c !== 10) || p > 22 || p < -22) return NaN;
  out.end = i;
  const v = p === 0 ? m : p > 0 ? m * (POW10[p] as number) : m / (POW10[-p] as number);
  return negative ? -v : v;
}
