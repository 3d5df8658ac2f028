/**
 * Whether a service whose probes succeed is slow. Its inventory threshold
 * (`probe.degradedAboveMs`) is compared with `probe_duration_seconds`, the whole probe from
 * name lookup to the last byte, which is what a citizen waits for. A service is slow once its
 * last SLOW_PROBES probes all took longer than that, and fast again once as many in a row did
 * not: one slow answer (a cold cache, a pause for garbage collection) is not something
 * citizens notice, and a service hovering at its threshold must not flap between up and
 * degraded at every probe. A failed probe ends the count: the service is down, and is judged
 * afresh from its next answer.
 */

/** Probes in a row on the other side of the threshold before a service is slow, or no longer slow. */
export const SLOW_PROBES = 3;

/** The prefix of the reason a service is degraded for being slow (kept across a restart). */
const SLOW = "slow: ";

interface Latency {
  slow: boolean;
  /** Probes in a row on the other side of the threshold from `slow`. */
  streak: number;
  /** The newest probe counted: a probe's details may arrive in a later batch than its result. */
  lastTs: number;
  reason: string;
}

/** Per-service slow/fast counts; no I/O (the state tracker feeds it probe runs). */
export class ProbeLatency {
  private readonly byService = new Map<string, Latency>();

  constructor(
    /** Threshold per service id, ms; a service without one is never slow. */
    private readonly thresholds: ReadonlyMap<string, number>,
    private readonly runs = SLOW_PROBES,
  ) {}

  /**
   * Counts a successful probe (once per timestamp; one without its duration yet is not counted)
   * and returns why the service is slow, or undefined when it is not.
   */
  succeeded(service: string, ts: number, durationSeconds: number | undefined): string | undefined {
    const limitMs = this.thresholds.get(service);
    if (limitMs === undefined) return undefined;
    let l = this.byService.get(service);
    if (l === undefined) this.byService.set(service, (l = { slow: false, streak: 0, lastTs: -Infinity, reason: "" }));
    if (durationSeconds !== undefined && ts > l.lastTs) {
      l.lastTs = ts;
      const ms = durationSeconds * 1000;
      l.streak = ms > limitMs !== l.slow ? l.streak + 1 : 0;
      if (l.streak >= this.runs) {
        l.slow = !l.slow;
        l.streak = 0;
        l.reason = l.slow ? `${SLOW}${this.runs} consecutive probes above ${msText(limitMs)} ms, last ${msText(ms)} ms` : "";
      }
    }
    return l.slow ? l.reason : undefined;
  }

  /** A failed probe: the count starts again at the service's next answer. */
  failed(service: string): void {
    this.byService.delete(service);
  }

  /** Continues a service recorded as degraded for being slow before a restart, so it does not pass through up. */
  restore(service: string, reason: string): void {
    if (reason.startsWith(SLOW) && this.thresholds.has(service)) this.byService.set(service, { slow: true, streak: 0, lastTs: -Infinity, reason });
  }
}

function msText(ms: number): string {
  return Math.round(ms).toLocaleString("en-US");
}
