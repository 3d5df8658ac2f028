import type { Inventory } from "../../inventory/inventory.schema.ts";
import type { CityEvent, EntityRef } from "../../protocol/event.schema.ts";
import type { ControlPlaneMetrics } from "../metrics/control-plane.metrics.ts";
import { declaredInterfaces, type StateTracker } from "../state/state-tracker.ts";
import type { Aggregation, EntityState, EventQuery, LatestValue, SeriesResult, SeriesSelector, StateInterval, Store } from "../store/store.ts";
import { BadRequestError, NotFoundError } from "./api-errors.ts";
import type { ObservedEntity, ObservedStateService } from "./observed-state.service.ts";
import { MAX_POINTS } from "./query-params.ts";
import { compareTopology, type TopologyComparison } from "./topology.ts";

export type EntityKind = "device" | "interface" | "service" | "link" | "hotspot";

/**
 * What is observed of an entity: whether agents report on it, and its derived state since when
 * and why (`unknown` with no `since` when it was never observed).
 */
export interface ObservedView extends ObservedEntity {
  state: EntityState;
  since?: number;
  reason: string;
}

/** An inventory entity with what was declared and what is observed. */
export interface EntityView {
  kind: EntityKind;
  name: string;
  declared: Record<string, unknown>;
  observed: ObservedView;
}

/**
 * Read side of the control plane: range queries and latest values from the store, entities
 * with declared (inventory) and observed state, declared vs observed topology.
 */
export class QueryService {
  constructor(
    private readonly store: Store,
    private readonly inventory: Inventory,
    private readonly observed: ObservedStateService,
    private readonly states: StateTracker,
    private readonly metrics: ControlPlaneMetrics,
  ) {}

  /** Range query; the store picks raw samples or a rollup by the range and step. */
  async series(q: SeriesSelector & { fromMs: number; toMs: number; stepMs?: number; aggregation: Aggregation }): Promise<SeriesResult[]> {
    if (q.toMs <= q.fromMs) throw new BadRequestError("invalid_parameter", "from: must be before to");
    const stepMs = q.stepMs ?? Math.max(1000, Math.ceil((q.toMs - q.fromMs) / 240 / 1000) * 1000);
    if ((q.toMs - q.fromMs) / stepMs > MAX_POINTS) throw new BadRequestError("invalid_parameter", `step: too small for the range (more than ${MAX_POINTS} points per series)`);
    return this.metrics.timeDb("querySeries", () => this.store.querySeries({ ...q, stepMs }));
  }

  async latest(selector: SeriesSelector): Promise<LatestValue[]> {
    return this.metrics.timeDb("latest", () => this.store.latest(selector));
  }

  async events(q: EventQuery): Promise<CityEvent[]> {
    return this.metrics.timeDb("events", () => this.store.events(q));
  }

  entities(kind: EntityKind): EntityView[] {
    const view = (name: string, declared: Record<string, unknown>, reporting: ObservedEntity = { reporting: "never" }): EntityView => {
      const s = this.states.current(kind, name);
      return { kind, name, declared, observed: { ...reporting, ...(s !== undefined ? { state: s.state, since: s.sinceMs, reason: s.reason } : { state: "unknown", reason: "not observed yet" }) } };
    };
    switch (kind) {
      case "device":
        return this.inventory.devices.map((d) => view(d.name, { role: d.role, vendor: d.vendor, model: d.model, site: d.site, mgmt: d.mgmt, uplink: d.uplink }, this.observed.of("device", d.name)));
      case "interface":
        return [...declaredInterfaces(this.inventory)].map(([name, i]) => view(name, { ...i }));
      case "service":
        return this.inventory.services.map((s) => view(s.id, { name: s.name, department: s.department, zone: s.zone, url: s.url, replicas: s.replicas, slo: s.slo }, this.observed.of("service", s.id)));
      case "link":
        return this.inventory.links.map((l) => view(l.name, { kind: l.kind, a: l.a, b: l.b, bandwidthMbps: l.bandwidthMbps, vlan: l.vlan, sla: l.sla }));
      case "hotspot":
        return this.inventory.hotspots.map((h) => view(h.name, { site: h.site, location: h.location, controller: h.controller, group: h.group }));
    }
  }

  /** One entity, with its recorded state intervals over the last `windowMs`. */
  async entity(kind: EntityKind, name: string, nowMs: number, windowMs = 86_400_000): Promise<EntityView & { states: StateInterval[] }> {
    const view = this.entities(kind).find((e) => e.name === name);
    if (!view) throw new NotFoundError(`no ${kind} named "${name}" in the inventory`);
    const ref: EntityRef = { kind, name };
    const states = await this.metrics.timeDb("stateIntervals", () => this.store.stateIntervals(ref, nowMs - windowMs, nowMs));
    return { ...view, states };
  }

  /**
   * Inventory links vs LLDP. Agents send a device's neighbour set only when it changes, so the
   * newest set within `windowMs` (30 days: longer than any retention of raw events matters) is current.
   */
  async topology(nowMs: number, windowMs = 30 * 86_400_000): Promise<TopologyComparison> {
    const observed = await this.events({ kind: "topology", fromMs: nowMs - windowMs, toMs: nowMs, limit: 10_000 });
    return compareTopology(this.inventory.links, observed);
  }

  /** Counts for the status page. */
  status(): { city: Inventory["city"]; devices: number; devicesReporting: number; services: number; servicesReporting: number } {
    return {
      city: this.inventory.city,
      devices: this.inventory.devices.length,
      // Only inventory entities count: agents also label samples with names the inventory
      // does not declare (an LLDP neighbour, an AP behind a controller).
      devicesReporting: this.inventory.devices.filter((d) => this.observed.of("device", d.name).reporting === "reporting").length,
      services: this.inventory.services.length,
      servicesReporting: this.inventory.services.filter((s) => this.observed.of("service", s.id).reporting === "reporting").length,
    };
  }
}
