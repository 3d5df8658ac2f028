/**
 * What to do with an ingest answer, and how long to wait before trying again
 * (RELIABILITY.md promise 3). Pure functions: no clock, no I/O.
 */

/** The fate of one delivery attempt. */
export type Verdict = "delivered" | "retry" | "auth" | "drop";

/**
 * 2xx delivered; 5xx and 429 retried; 401 and 403 held ("auth"); every other status dropped.
 * The remote-write spec says a sender must not retry 4xx other than 429: the batch itself is
 * bad and would fail forever. 401/403 say nothing about the batch, only about the agent's
 * token (typically rotated on the server first), so the data is kept (ADR 0008).
 */
export function classifyStatus(status: number): Verdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 429 || status >= 500) return "retry";
  if (status === 401 || status === 403) return "auth";
  return "drop";
}

/** Back-off tuning. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 500, maxMs: 60_000 });

/**
 * The pause after a refused token: waits drawn from [5 s, 10 s), then doubling, never over
 * 60 s. A token is not fixed by hammering the server; an operator fixes it, in minutes.
 */
export const DEFAULT_AUTH_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 10_000, maxMs: 60_000 });

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

/** Longest server reason the agent logs for a refused batch. */
const REASON_MAX_CHARS = 300;

/**
 * The server's reason for refusing a batch, fit for one log line: `code: message` from the
 * control plane's `{error: {code, message}}` body, else the body text. Control characters
 * (CR/LF, ANSI escapes) become spaces so a reply cannot forge log lines; long text is cut.
 */
export function refusalReason(body: string): string | undefined {
  let text = body;
  try {
    const err = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof err?.message === "string") text = typeof err.code === "string" ? `${err.code}: ${err.message}` : err.message;
  } catch {
    // Not JSON: the text as it came.
  }
  const clean = text.replace(/[\p{Cc}\p{Cf}]+/gu, " ").replace(/\s+/g, " ").trim();
  if (clean === "") return undefined;
  return clean.length > REASON_MAX_CHARS ? `${clean.slice(0, REASON_MAX_CHARS)}…` : clean;
}
