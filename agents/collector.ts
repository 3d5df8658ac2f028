import type { Target } from "../protocol/assignment.schema.ts";
import type { CityEvent } from "../protocol/event.schema.ts";
import type { Sample } from "../protocol/remote-write.codec.ts";

export type TargetKind = Target["kind"];
export type TargetOf<K extends TargetKind> = Extract<Target, { kind: K }>;

/** What one collection pass of one target produced. */
export interface CollectResult {
  samples: Sample[];
  events: CityEvent[];
}

/**
 * One kind of scheduled collection (STYLE.md rule 2): SNMP polling, Prometheus scraping,
 * probes, SSH configuration. The scheduler calls `collect` once per interval per target; a
 * collector keeps per-target state (previous counters, last configuration) keyed by target id
 * and must end each pass when `signal` aborts.
 */
export interface TargetCollector<K extends TargetKind = TargetKind> {
  readonly kind: K;
  collect(target: TargetOf<K>, signal: AbortSignal): Promise<CollectResult>;
  /** The target left this agent's assignment: drop its state, close its sessions. */
  forget?(targetId: string): void;
  close?(): Promise<void>;
}
