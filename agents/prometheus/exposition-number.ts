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
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
