/**
 * What to do with an ingest answer, and how long to wait before trying again
 * (RELIABILITY.md promise 3). Pure functions: no clock, no I/O.
 */

/** The fate of one delivery attempt. */
export type Verdict = "delivered" | "retry" | "drop";

/**
 * 2xx delivered; 5xx and 429 retried; every other status dropped. The remote-write spec says a
 * sender must not retry 4xx other than 429 (the batch itself is bad and would fail forever).
 */
export function classifyStatus(status: number): Verdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 429 || status >= 500) return "retry";
  return "drop";
}

/** Back-off tuning. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 500, maxMs: 60_000 });

/**
 * Exponential back-off with "equal jitter": the cap doubles per failed attempt (0-based) and the
 * wait is drawn from [cap/2, cap), so agents that lost the control plane together do not return
 * in lock-step, yet none retries sooner than half the cap.
 */
export function backoffDelayMs(attempt: number, random: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (cap / 2) * Math.min(Math.max(random, 0), 1));
}

/**
 * Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `nowMs`;
 * undefined when absent or unparseable. Capped so a hostile or broken header cannot park the
 * agent for days.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number, capMs = 300_000): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP-date always names a day or month; anything else ("-5", "soon") is ignored.
    if (!/[A-Za-z]{3}/.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(ms, 0), capMs);
}
