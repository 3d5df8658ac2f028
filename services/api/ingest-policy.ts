import type { CityEvent } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";

/**
 * Timestamps far in the future are refused, whole batch: an agent whose clock runs ahead
 * would otherwise write points that hide every later real point in "latest" queries and
 * outlive retention. Ten minutes covers NTP-less edge boxes without admitting nonsense.
 * Old timestamps are accepted (a spool delivers hours-old data after an outage); retention
 * removes what is older than it keeps.
 */
export const MAX_FUTURE_MS = 10 * 60_000;

/** The first problem in a decoded sample batch, or undefined when it is acceptable. */
export function samplesProblem(series: readonly TimeSeries[], nowMs: number, maxFutureMs = MAX_FUTURE_MS): string | undefined {
  for (const s of series) {
    const name = s.labels.__name__;
    if (name === undefined || name === "") return "a series has no __name__ label";
    for (const p of s.samples) {
      if (!Number.isFinite(p.timestampMs) || p.timestampMs < 0) return `series ${name}: timestamp ${p.timestampMs} is not a valid time`;
      if (p.timestampMs > nowMs + maxFutureMs) {
        return `series ${name}: timestamp ${new Date(p.timestampMs).toISOString()} is ${Math.round((p.timestampMs - nowMs) / 1000)} s in the future (limit ${maxFutureMs / 1000} s; check the agent's clock)`;
      }
    }
  }
  return undefined;
}

/** The first problem in an event batch (schema already checked), or undefined. */
export function eventsProblem(events: readonly CityEvent[], nowMs: number, maxFutureMs = MAX_FUTURE_MS): string | undefined {
  for (const e of events) {
    if (e.ts > nowMs + maxFutureMs) return `event ${e.id}: ts ${new Date(e.ts).toISOString()} is ${Math.round((e.ts - nowMs) / 1000)} s in the future (limit ${maxFutureMs / 1000} s)`;
  }
  return undefined;
}

/** Number of samples in a batch. */
export function sampleCount(series: readonly TimeSeries[]): number {
  let n = 0;
  for (const s of series) n += s.samples.length;
  return n;
}
