import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { reportingKey, reportingOf } from "../state/observed-batch.ts";

/** Whether an entity is reporting: `reporting` (heard recently), `silent` (heard before, not lately), `never`. */
export type Reporting = "reporting" | "silent" | "never";

export interface ObservedEntity {
  reporting: Reporting;
  lastSeenMs?: number;
}

/** One entity's reporting changed (pushed on the live `states` topic). */
export interface ReportingChange {
  entity: { kind: "device" | "service"; name: string };
  reporting: Reporting;
  atMs: number;
}

/**
 * Tracks which devices and services are reporting, from the labels of ingested series (the
 * agents label samples with `device` or `service`). In memory: after a restart everything
 * starts as `never` until the next samples arrive, which takes one poll interval. Whether an
 * entity is up or down is not this: see services/state/ (derived from what the samples say).
 */
export class ObservedStateService {
  private readonly lastSeen = new Map<string, number>();
  private readonly silent = new Set<string>();

  constructor(private readonly silentAfterMs = 3 * 60_000) {}

  /** Records the entities a batch speaks for; returns the ones that started (or resumed) reporting. */
  observe(series: readonly TimeSeries[], nowMs: number): ReportingChange[] {
    return this.heard(reportingOf(series), nowMs);
  }

  /**
   * The same from the entities already read out of the batch (`reportingKey`s, as `readBatch`
   * collects them in its one pass over the series), in the order they were first seen.
   */
  heard(keys: Iterable<string>, nowMs: number): ReportingChange[] {
    const changes: ReportingChange[] = [];
    for (const key of keys) {
      if (!this.lastSeen.has(key) || this.silent.delete(key)) changes.push({ entity: entityOf(key), reporting: "reporting", atMs: nowMs });
      this.lastSeen.set(key, nowMs);
    }
    return changes;
  }

  /** Marks entities not heard for `silentAfterMs` as silent; returns the changes. */
  sweep(nowMs: number): ReportingChange[] {
    const changes: ReportingChange[] = [];
    for (const [key, at] of this.lastSeen) {
      if (nowMs - at > this.silentAfterMs && !this.silent.has(key)) {
        this.silent.add(key);
        changes.push({ entity: entityOf(key), reporting: "silent", atMs: nowMs });
      }
    }
    return changes;
  }

  of(kind: "device" | "service", name: string): ObservedEntity {
    const key = reportingKey(kind, name);
    const at = this.lastSeen.get(key);
    if (at === undefined) return { reporting: "never" };
    return { reporting: this.silent.has(key) ? "silent" : "reporting", lastSeenMs: at };
  }

  /** How many entities of a kind are reporting now. */
  countReporting(kind: "device" | "service"): number {
    let n = 0;
    for (const key of this.lastSeen.keys()) if (key.startsWith(`${kind}:`) && !this.silent.has(key)) n++;
    return n;
  }
}

/** The entity of a `reportingKey` (a name may itself hold a colon). */
function entityOf(key: string): ReportingChange["entity"] {
  const colon = key.indexOf(":");
  return { kind: key.slice(0, colon) as "device" | "service", name: key.slice(colon + 1) };
}
