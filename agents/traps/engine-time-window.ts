/**
 * SNMPv3 timeliness for received notifications (RFC 3414 §2.3, §3.2 step 7b). For a trap the
 * sender is the authoritative engine, so the receiver keeps, per engineID, the latest
 * authenticated (boots, time) and when it arrived. A message is outside the time window when
 * its boots is lower than the cached one, or its time is more than 150 s behind the estimate
 * (cached time plus the seconds elapsed since). USM only stops replays outside those 150 s, so
 * a byte-identical resend of a message already accepted is also refused: a sender never
 * produces one (every message has a new msgID, and AES a new salt), so it can only be a copy.
 * An engine that has only ever sent boots 0 and time 0 keeps no clock (net-snmp's trap sender,
 * hence the simulated city, does so): no window can apply to it, so only its copies are refused.
 * Logic only: the caller authenticates the message first and passes the clock in.
 */

/** What to do with one authenticated message. */
export type TimelinessVerdict = "accept" | "not_in_time_window" | "replayed";

/** RFC 3414 §2.2.3: the time window is 150 seconds. */
export const TIME_WINDOW_SECONDS = 150;
const MAX_BOOTS = 2147483647;
/** Digests remembered per engine; a sender over this rate inside 150 s loses only duplicate detection. */
const MAX_DIGESTS = 4096;

interface EngineNotion {
  boots: number;
  /** msgAuthoritativeEngineTime of the newest message, and the local time it arrived. */
  time: number;
  atMs: number;
  /** Digests of accepted messages still inside the window, with their engine time. */
  digests: Map<string, number>;
}

/** Per-engine notion of boots and time, bounded in number of engines. */
export class EngineTimeWindow {
  private readonly engines = new Map<string, EngineNotion>();

  constructor(private readonly maxEngines = 10_000) {}

  /**
   * Decides for one authenticated message of `engineId` carrying `boots`/`time`, whose
   * authentication digest is `digest`, received at `nowMs`.
   */
  check(engineId: string, boots: number, time: number, digest: string, nowMs: number): TimelinessVerdict {
    let e = this.engines.get(engineId);
    if (e === undefined) {
      if (this.engines.size >= this.maxEngines) this.engines.delete(this.engines.keys().next().value as string);
      this.engines.set(engineId, (e = { boots, time, atMs: nowMs, digests: new Map() }));
    }
    if (boots === 0 && time === 0 && e.boots === 0 && e.time === 0) return this.remember(e, digest, 0);
    if (boots > e.boots || (boots === e.boots && time > e.time)) {
      // Step 7b: a newer authentic message resets the estimate (a reboot forgets the old digests).
      if (boots > e.boots) e.digests.clear();
      e.boots = boots;
      e.time = time;
      e.atMs = nowMs;
    }
    const estimate = e.time + Math.floor(Math.max(0, nowMs - e.atMs) / 1000);
    if (e.boots === MAX_BOOTS || boots < e.boots || time < estimate - TIME_WINDOW_SECONDS) return "not_in_time_window";
    for (const [d, t] of e.digests) {
      if (t >= estimate - TIME_WINDOW_SECONDS) break;
      e.digests.delete(d);
    }
    return this.remember(e, digest, time);
  }

  private remember(e: EngineNotion, digest: string, time: number): TimelinessVerdict {
    if (e.digests.has(digest)) return "replayed";
    if (e.digests.size >= MAX_DIGESTS) e.digests.delete(e.digests.keys().next().value as string);
    e.digests.set(digest, time);
    return "accept";
  }
}
