/**
 * Observed state (up / down / degraded / unknown) of the city's devices, interfaces, links,
 * hotspots and services, derived from the samples agents ship, with no I/O of its own: the
 * recorder (state-recorder.ts) feeds it batches and the clock, and writes what changes.
 *
 * - device: `cityplane_snmp_device_up` 1 → up; 0 → down once polls have failed for the whole
 *   recheck window (the agent rechecks an unreachable device every 15 s, so one lost poll is
 *   not an outage), or `unknown` when `cityplane_snmp_poll_outcome` says the device answered
 *   but refused our credentials or could not be read (reachable; we cannot see it). Without
 *   that sample (an older agent) every failure counts as no answer. A source that never ships that sample (a Prometheus remote-writing
 *   snmp_exporter data) makes the device up by its samples arriving.
 * - interface: ifOperStatus through IF_OPER_STATUS, for interfaces the inventory declares (its
 *   own list and both ends of every link, matched by ifName or ifDescr) or that are admin-up;
 *   an admin-down one is `unknown`.
 * - link: from its two ends (link-state.ts).
 * - hotspot: bsnAPOperationStatus from the controller it is joined to; down ("not joined to its
 *   controller") when that controller answers a poll of the wlc module without listing it.
 * - service: probe_success; degraded when the certificate expires within the warning window,
 *   or while it is slow: its last probes above the inventory's threshold (probe-latency.ts).
 * - any of them: `unknown` when nothing is heard for the silence window (the agent is gone:
 *   we cannot see, which is never `down`); a device that is down makes its interfaces and the
 *   access points joined to it `unknown` too, for the same reason.
 *
 * A state holds from the first sample showing it; a repeated sample changes nothing. Samples
 * older than the newest one heard for an entity are late news and ignored.
 */
import type { Inventory } from "../../inventory/inventory.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { interfaceName } from "../store/entity-mapping.ts";
import type { EntityState, StateInterval } from "../store/store.ts";
import { linkState } from "./link-state.ts";
import { readBatch, type ObservedBatch, type ProbeRun, type Reading } from "./observed-batch.ts";
import { ProbeLatency } from "./probe-latency.ts";
import { ADMIN_DOWN, AP_OPERATION_STATUS, IF_ADMIN_DOWN, IF_OPER_STATUS, mapStatus, SNMP_POLL_ANSWERED_FAILURE, SNMP_POLL_NO_ANSWER } from "./status-tables.ts";

export const OBSERVED_KINDS = ["device", "interface", "link", "hotspot", "service"] as const;
export type ObservedKind = (typeof OBSERVED_KINDS)[number];

export interface ObservedRef {
  kind: ObservedKind;
  name: string;
}

/** An entity's current observed state. */
export interface ObservedState {
  state: EntityState;
  sinceMs: number;
  reason: string;
}

/** One transition: pushed on the live `states` topic and recorded as an interval. */
export interface StateChange {
  entity: ObservedRef;
  state: EntityState;
  atMs: number;
  reason: string;
  previous?: EntityState;
}

export interface StateTrackerOptions {
  /** How long polls must fail before a device is down (default 15 s, the agent's recheck). */
  recheckMs?: number;
  /** Nothing heard for this long → unknown (default 3 min: several poll intervals). */
  silenceMs?: number;
  /** A certificate expiring sooner than this makes a service degraded (default 14 days). */
  certWarningDays?: number;
}

/** What the inventory declares: only these devices, hotspots, services and links are tracked. */
export interface DeclaredEntities {
  devices: ReadonlySet<string>;
  /** Interface entity names (`device/ifName`) tracked even when admin-down. */
  interfaces: ReadonlySet<string>;
  links: readonly { name: string; a: string; b: string }[];
  hotspots: ReadonlySet<string>;
  /** The controller each hotspot's AP joins (inventory `controller`), where declared. */
  hotspotControllers?: ReadonlyMap<string, string>;
  services: ReadonlySet<string>;
  /** A service's probes above this many ms in a row make it degraded (inventory `probe.degradedAboveMs`), where declared. */
  serviceSlowAboveMs?: ReadonlyMap<string, number>;
}

/** An interface the inventory names: in its device's list, as a link end, or both (then with its link). */
export interface DeclaredInterface {
  device: string;
  interface: string;
  description?: string;
  speedMbps?: number;
  link?: string;
}

/** The interfaces an inventory names, by entity name: each device's own list, then link ends not in it. */
export function declaredInterfaces(inv: Inventory): Map<string, DeclaredInterface> {
  const out = new Map<string, DeclaredInterface>();
  for (const d of inv.devices) for (const i of d.interfaces) out.set(interfaceName(d.name, i.name), { device: d.name, interface: i.name, description: i.description, speedMbps: i.speedMbps });
  for (const l of inv.links) {
    for (const end of [l.a, l.b]) {
      const name = interfaceName(end.device, end.interface);
      out.set(name, { ...(out.get(name) ?? { device: end.device, interface: end.interface }), link: l.name });
    }
  }
  return out;
}

/** The tracked entities of an inventory. */
export function declaredFromInventory(inv: Inventory): DeclaredEntities {
  const links = inv.links.map((l) => ({ name: l.name, a: interfaceName(l.a.device, l.a.interface), b: interfaceName(l.b.device, l.b.interface) }));
  const interfaces = new Set(declaredInterfaces(inv).keys());
  return { devices: new Set(inv.devices.map((d) => d.name)), interfaces, links, hotspots: new Set(inv.hotspots.map((h) => h.name)), hotspotControllers: new Map(inv.hotspots.map((h) => [h.name, h.controller])), services: new Set(inv.services.map((s) => s.id)),
    serviceSlowAboveMs: new Map(inv.services.flatMap((s) => (s.probe.degradedAboveMs !== undefined ? [[s.id, s.probe.degradedAboveMs] as const] : []))),
  };
}

interface Heard {
  /** Newest sample timestamp seen for the entity. */
  lastTs: number;
  /** Server time it was last heard (silence is measured on this clock). */
  heardMs: number;
}

const key = (kind: ObservedKind, name: string): string => `${kind}:${name}`;
const DAY_MS = 86_400_000;

/** Derives and holds observed state; see the module comment for the rules. */
export class StateTracker {
  private readonly states = new Map<string, ObservedState>();
  private readonly heard = new Map<string, Heard>();
  /** Devices whose source ships the poll result, since when polls have been failing, and since when unanswered. */
  private readonly polls = new Map<string, { failingSinceMs?: number; silentSinceMs?: number }>();
  private readonly adminDown = new Set<string>();
  /** Interfaces and hotspots that go unknown with a device (its own ports, the APs joined to it). */
  private readonly children = new Map<string, Set<string>>();
  /** The controller each AP was last reported by (else the inventory's), and the newest wlc-module poll per controller. */
  private readonly apController = new Map<string, string>();
  private readonly wlcPolledTs = new Map<string, number>();
  private readonly linksByEnd = new Map<string, DeclaredEntities["links"][number][]>();
  /** Links whose ends changed, with the newest change: recomputed once both ends of an instant are applied. */
  private readonly dirtyLinks = new Map<DeclaredEntities["links"][number], number>();
  /** The newest probe run per service, whose result may arrive in a later batch than its details. */
  private readonly probeRuns = new Map<string, ProbeRun>();
  private readonly latency: ProbeLatency;
  private readonly recheckMs: number;
  private readonly silenceMs: number;
  private readonly certWarningMs: number;

  constructor(
    private readonly declared: DeclaredEntities,
    opts: StateTrackerOptions = {},
  ) {
    this.recheckMs = opts.recheckMs ?? 15_000;
    this.silenceMs = opts.silenceMs ?? 180_000;
    this.certWarningMs = (opts.certWarningDays ?? 14) * DAY_MS;
    this.latency = new ProbeLatency(declared.serviceSlowAboveMs ?? new Map());
    for (const l of declared.links) for (const end of [l.a, l.b]) this.linksByEnd.set(end, [...(this.linksByEnd.get(end) ?? []), l]);
  }

  /**
   * An interface's entity name: `device/` and the name the inventory declares it by, which may
   * be its ifName or its ifDescr (IOS answers ifName "Gi0/0/0" for ifDescr
   * "GigabitEthernet0/0/0"); an undeclared one goes by its ifName, as series do.
   */
  private readonly interfaceOf = (device: string, labels: Readonly<Record<string, string>>): string | undefined => {
    const byName = labels.ifName ? interfaceName(device, labels.ifName) : undefined;
    if (byName !== undefined && this.declared.interfaces.has(byName)) return byName;
    const byDescr = labels.ifDescr ? interfaceName(device, labels.ifDescr) : undefined;
    return byDescr !== undefined && this.declared.interfaces.has(byDescr) ? byDescr : byName;
  };

  /** Continues the open intervals recorded before a restart, as if just heard. */
  restore(open: readonly StateInterval[], nowMs: number): void {
    for (const i of open) {
      if (!(OBSERVED_KINDS as readonly string[]).includes(i.entity.kind)) continue;
      const k = key(i.entity.kind as ObservedKind, i.entity.name);
      this.states.set(k, { state: i.state, sinceMs: i.startMs, reason: i.reason ?? "" });
      // A link is never heard itself: it follows its ends.
      if (i.entity.kind !== "link") this.heard.set(k, { lastTs: i.startMs, heardMs: nowMs });
      if (i.entity.kind === "interface") this.adopt(i.entity.name.slice(0, i.entity.name.indexOf("/")), k);
      if (i.entity.kind === "service" && i.state === "degraded") this.latency.restore(i.entity.name, i.reason ?? "");
    }
  }

  /** The current state of an entity, if it was ever observed. */
  current(kind: ObservedKind, name: string): ObservedState | undefined {
    return this.states.get(key(kind, name));
  }

  /** Applies one ingest batch (`nowMs`: when it arrived); returns the transitions in order. */
  observe(series: readonly TimeSeries[], nowMs: number): StateChange[] {
    return this.apply(this.read(series), nowMs);
  }

  /** Reads what a batch says, in one pass over its series (which also notes who is reporting: observed-batch.ts). */
  read(series: readonly TimeSeries[]): ObservedBatch {
    return readBatch(series, this.interfaceOf);
  }

  /** Applies a batch already read (`nowMs`: when it arrived); returns the transitions in order. */
  apply(b: ObservedBatch, nowMs: number): StateChange[] {
    const out: StateChange[] = [];
    for (const p of b.polls) this.devicePoll(p, nowMs, out);
    this.flushLinks(out);
    for (const [device, ts] of b.activity) {
      if (!this.declared.devices.has(device) || this.polls.has(device) || !this.hear(key("device", device), ts, nowMs)) continue;
      this.transition({ kind: "device", name: device }, "up", ts, "samples arriving", out);
    }
    for (const [i, o] of b.oper.entries()) {
      const admin = b.admin.get(o.name);
      if (admin !== undefined) {
        if (admin.value === IF_ADMIN_DOWN) this.adminDown.add(o.name);
        else this.adminDown.delete(o.name);
      }
      this.interfaceStatus(o, nowMs, out);
      if (b.oper[i + 1]?.ts !== o.ts) this.flushLinks(out);
    }
    for (const ap of b.aps) {
      if (!this.declared.hotspots.has(ap.name) || !this.hear(key("hotspot", ap.name), ap.ts, nowMs)) continue;
      const previous = this.apController.get(ap.name);
      if (previous !== ap.controller) {
        if (previous !== undefined) this.children.get(previous)?.delete(key("hotspot", ap.name));
        this.apController.set(ap.name, ap.controller);
        this.adopt(ap.controller, key("hotspot", ap.name));
      }
      const m = mapStatus(AP_OPERATION_STATUS, "bsnAPOperationStatus", ap.value);
      this.transition({ kind: "hotspot", name: ap.name }, m.state, ap.ts, m.reason, out);
    }
    for (const [controller, ts] of b.wlc) if ((this.wlcPolledTs.get(controller) ?? -Infinity) < ts) this.wlcPolledTs.set(controller, ts);
    for (const p of b.polls) if (p.value === 1) this.missingAps(p, nowMs, out);
    for (const run of [...b.probes.values()].sort((x, y) => x.ts - y.ts)) this.probeRun(run, nowMs, out);
    return out;
  }

  /**
   * A controller that answered a poll including the wlc module lists every AP joined to it
   * (bsnAPTable), and drops one that disassociates: a declared AP its own controller no longer
   * lists (and that no other controller reported since) is down. One gone from the controller
   * it failed over to is taken back to its own, whose next pass decides (it may be returning). The poll's own samples come before its
   * `cityplane_snmp_device_up` in what the agent ships, so its AP rows are already applied.
   */
  private missingAps(p: Reading, nowMs: number, out: StateChange[]): void {
    if (this.wlcPolledTs.get(p.name) !== p.ts) return;
    for (const [hotspot, declaredController] of this.declared.hotspotControllers ?? []) {
      if ((this.apController.get(hotspot) ?? declaredController) !== p.name || !this.declared.hotspots.has(hotspot)) continue;
      const k = key("hotspot", hotspot);
      if ((this.heard.get(k)?.lastTs ?? -Infinity) >= p.ts) continue;
      if (p.name !== declaredController) {
        // Gone from the controller it failed over to: back to its own, whose next pass decides.
        this.children.get(p.name)?.delete(k);
        this.apController.set(hotspot, declaredController);
        this.adopt(declaredController, k);
        continue;
      }
      this.hear(k, p.ts, nowMs);
      this.adopt(p.name, k);
      this.transition({ kind: "hotspot", name: hotspot }, "down", p.ts, "not joined to its controller", out);
    }
  }

  /** Marks what has not been heard for the silence window `unknown`; returns the transitions. */
  sweep(nowMs: number): StateChange[] {
    const out: StateChange[] = [];
    for (const [k, h] of this.heard) {
      const s = this.states.get(k);
      if (s === undefined || s.state === "unknown" || nowMs - h.heardMs <= this.silenceMs) continue;
      const [kind, ...rest] = k.split(":");
      const ref = { kind: kind as ObservedKind, name: rest.join(":") };
      // On the server's clock, but never before the last sample heard (an agent clock may run ahead).
      const atMs = Math.max(nowMs, h.lastTs + 1);
      this.transition(ref, "unknown", atMs, `nothing heard for ${Math.round(this.silenceMs / 1000)} s`, out);
    }
    this.flushLinks(out);
    return out;
  }

  private devicePoll(p: Reading & { outcome?: number }, nowMs: number, out: StateChange[]): void {
    if (!this.declared.devices.has(p.name)) return;
    let poll = this.polls.get(p.name) ?? {};
    this.polls.set(p.name, poll);
    const last = this.heard.get(key("device", p.name))?.lastTs;
    if (!this.hear(key("device", p.name), p.ts, nowMs)) return;
    // Failures before a silence do not count towards the recheck window after it.
    if (last !== undefined && p.ts - last > this.silenceMs) this.polls.set(p.name, (poll = {}));
    const ref = { kind: "device" as const, name: p.name };
    if (p.value === 1) {
      this.polls.set(p.name, {});
      this.transition(ref, "up", p.ts, "SNMP poll answered", out);
      return;
    }
    // Why it failed, when the agent says: a device that answered (refusing our credentials, or
    // with something unreadable) is reachable, so unknown; no answer, or not said, is down.
    const answered = p.outcome !== undefined && p.outcome !== SNMP_POLL_NO_ANSWER ? mapStatus(SNMP_POLL_ANSWERED_FAILURE, "cityplane_snmp_poll_outcome", p.outcome) : undefined;
    poll.failingSinceMs ??= p.ts;
    if (answered !== undefined) delete poll.silentSinceMs;
    else poll.silentSinceMs ??= p.ts;
    // Either way only once polls have failed for the recheck window, from the first failure
    // (down: from the first of the unanswered ones); a change of why later in the run, from this poll.
    const from = answered !== undefined ? poll.failingSinceMs : (poll.silentSinceMs as number);
    if (p.ts - from < this.recheckMs) return;
    const cur = this.states.get(key("device", p.name));
    const since = cur !== undefined && cur.sinceMs >= from ? p.ts : from;
    if (!this.transition(ref, answered?.state ?? "down", since, answered?.reason ?? "SNMP poll failed", out)) return;
    // The device's ports and the APs joined to it can no longer be seen: unknown, not down.
    const why = answered !== undefined ? `${p.name}: ${answered.reason}` : `${p.name} not answering SNMP`;
    for (const child of this.children.get(p.name) ?? []) {
      const [kind, ...rest] = child.split(":");
      this.transition({ kind: kind as ObservedKind, name: rest.join(":") }, "unknown", since, why, out);
    }
  }

  private interfaceStatus(o: Reading & { device: string }, nowMs: number, out: StateChange[]): void {
    const k = key("interface", o.name);
    const adminDown = this.adminDown.has(o.name);
    // Undeclared ports are tracked while admin-up; one shut by hand is closed if it was tracked.
    if (adminDown && !this.declared.interfaces.has(o.name) && !this.states.has(k)) return;
    if (!this.hear(k, o.ts, nowMs)) return;
    this.adopt(o.device, k);
    const m = adminDown ? ADMIN_DOWN : mapStatus(IF_OPER_STATUS, "ifOperStatus", o.value);
    this.transition({ kind: "interface", name: o.name }, m.state, o.ts, m.reason, out);
  }

  private probeRun(run: ProbeRun, nowMs: number, out: StateChange[]): void {
    if (!this.declared.services.has(run.service)) return;
    const held = this.probeRuns.get(run.service);
    const merged = held !== undefined && held.ts === run.ts ? { ...held, ...stripUndefined(run) } : run;
    this.probeRuns.set(run.service, merged);
    if (merged.success === undefined || !this.hear(key("service", run.service), run.ts, nowMs)) return;
    const ref = { kind: "service" as const, name: run.service };
    if (merged.success !== 1) {
      this.latency.failed(run.service);
      this.transition(ref, "down", run.ts, probeFailure(merged), out);
      return;
    }
    // Counted whatever the certificate says, so the service is known slow (or not) when it is renewed.
    const slow = this.latency.succeeded(run.service, run.ts, merged.durationSeconds);
    const left = merged.certExpiry !== undefined ? merged.certExpiry * 1000 - run.ts : Infinity;
    if (left < this.certWarningMs) {
      this.transition(ref, "degraded", run.ts, left <= 0 ? "certificate expired" : `certificate expires in ${Math.floor(left / DAY_MS)} days`, out);
      return;
    }
    if (slow !== undefined) this.transition(ref, "degraded", run.ts, slow, out);
    else this.transition(ref, "up", run.ts, "probe succeeded", out);
  }

  /** Notes that an entity was heard at `ts`; false when that is older than what was heard already. */
  private hear(k: string, ts: number, nowMs: number): boolean {
    const h = this.heard.get(k);
    if (h !== undefined && ts < h.lastTs) return false;
    this.heard.set(k, { lastTs: ts, heardMs: nowMs });
    return true;
  }

  private adopt(device: string, child: string): void {
    let set = this.children.get(device);
    if (set === undefined) this.children.set(device, (set = new Set()));
    set.add(child);
  }

  /** Moves an entity to `state` at `atMs`; false when nothing changed (same state, or older than its current one). */
  private transition(ref: ObservedRef, state: EntityState, atMs: number, reason: string, out: StateChange[]): boolean {
    const k = key(ref.kind, ref.name);
    const cur = this.states.get(k);
    if (cur !== undefined && (cur.state === state || atMs < cur.sinceMs)) return false;
    this.states.set(k, { state, sinceMs: atMs, reason });
    out.push({ entity: ref, state, atMs, reason, ...(cur !== undefined ? { previous: cur.state } : {}) });
    if (ref.kind === "interface") for (const l of this.linksByEnd.get(ref.name) ?? []) this.dirtyLinks.set(l, Math.max(atMs, this.dirtyLinks.get(l) ?? atMs));
    return true;
  }

  /** Recomputes the links whose ends changed, so a link never passes through a state between two ends of one instant. */
  private flushLinks(out: StateChange[]): void {
    const end = (name: string) => {
      const s = this.states.get(key("interface", name));
      return s !== undefined ? { name, state: s.state, reason: s.reason, seen: true } : { name, state: "unknown" as const, reason: "never observed", seen: false };
    };
    for (const [l, atMs] of this.dirtyLinks) {
      const m = linkState(end(l.a), end(l.b));
      if (m.state === "unknown" && !this.states.has(key("link", l.name))) continue;
      this.transition({ kind: "link", name: l.name }, m.state, atMs, m.reason, out);
    }
    this.dirtyLinks.clear();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A short reason for a failed probe, from what the probe shipped beside probe_success. */
function probeFailure(run: ProbeRun): string {
  if (run.regexFailed === 1) return "probe failed: body did not match";
  if (run.httpStatus !== undefined && run.httpStatus > 0) return `probe failed: HTTP ${run.httpStatus}`;
  if (run.httpStatus === 0) return "probe failed: no HTTP response";
  return "probe failed";
}
