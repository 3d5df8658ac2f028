/**
 * Turns buffered samples and events into request bodies (pure): one remote-write 1.0 body per
 * batch of samples, one `{events: [...]}` JSON body per batch of events.
 */
import type { CityEvent } from "../../protocol/event.schema.ts";
import { encodeWriteRequest, groupSamples, type Sample } from "../../protocol/remote-write.codec.ts";

/** Events per body (the ingest schema allows 10,000; smaller bodies retry cheaper). */
export const EVENTS_PER_BODY = 500;
/** An events body stops growing past this size (one event's attributes may reach 64 KiB each). */
export const EVENTS_BODY_BYTES = 1 << 20;

/** The oldest events that fit one body: at most EVENTS_PER_BODY, about EVENTS_BODY_BYTES (always at least one). */
export function eventsBody(pending: readonly CityEvent[]): { count: number; body: Uint8Array } {
  const parts: string[] = [];
  let bytes = 0;
  for (const e of pending) {
    const json = JSON.stringify(e);
    if (parts.length > 0 && (parts.length >= EVENTS_PER_BODY || bytes + json.length > EVENTS_BODY_BYTES)) break;
    parts.push(json);
    bytes += json.length + 1;
  }
  return { count: parts.length, body: new TextEncoder().encode(`{"events":[${parts.join(",")}]}`) };
}

/** The oldest `max` samples as one remote-write body. */
export function samplesBody(pending: readonly Sample[], max: number): { count: number; body: Uint8Array } {
  const chunk = pending.slice(0, max);
  return { count: chunk.length, body: encodeWriteRequest(groupSamples(chunk)) };
}

/** Traps and security events are the last thing a full spool may drop. */
export function isPriority(e: CityEvent): boolean {
  return e.kind === "trap" || e.security;
}
