/**
 * The scheduled SNMP collector: polls a target's modules through a reused session, ships the
 * exporter-named samples with a `device` label, per-second rates of counters (64-bit preferred
 * over their 32-bit twins), device identity, and events when the LLDP neighbours or rogue APs
 * change. An unreachable device is rechecked every 15 s with a single try, so it never holds
 * a slot for long; its failure is reported on the target and as one event when it goes down.
 *
 * Each pass ships `cityplane_snmp_device_up` (1 read, 0 failed) and, beside it,
 * `cityplane_snmp_poll_outcome`, why it failed, one series per device whatever the outcome:
 * 1 read; 2 no answer (timeout, or the pass cut short by its deadline); 3 answered but refused
 * our credentials (SNMP authentication failed); 4 answered with something we could not read.
 * A device that answers is reachable: the control plane makes 3 and 4 `unknown`, never `down`.
 */
import type { TargetCollector, TargetOf, CollectResult } from "../collector.ts";
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { Sample } from "../../protocol/remote-write.codec.ts";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { CounterRates } from "./counter-rate.ts";
import { identifyDevice } from "./device-identity.ts";
import { SnmpRequestError } from "./snmp-client.ts";
import type { SnmpSample } from "./snmp-decode.ts";
import { lldpNeighbours, rogueAps, rogueApEvent, topologyEvent, type EventContext } from "./snmp-events.ts";
import type { SnmpModule } from "./snmp-module.schema.ts";
import { planPoll, pollDevice, type PollPlan } from "./snmp-poll.ts";
import type { SnmpSessionPool } from "./snmp-session-pool.ts";
import { ObjectType as SnmpType } from "net-snmp";

/** `cityplane_snmp_poll_outcome` values (see the module comment). */
const POLL_OUTCOME: Readonly<Record<string, number>> = { timeout: 2, aborted: 2, auth: 3, protocol: 4 };

const rateNames = new Map<string, string>();
/** `<name>:rate`, interned: one string per metric instead of one per sample. */
function rateName(name: string): string {
  let r = rateNames.get(name);
  if (r === undefined) rateNames.set(name, (r = `${name}:rate`));
  return r;
}

/** What the collector reports about each pass (the agent's own metrics hang off this). */
export interface SnmpPollObserver {
  polled(target: string, seconds: number, varbinds: number, badVarbinds: number): void;
  failed(target: string, reason: string): void;
}

export interface SnmpCollectorDeps {
  agent: string;
  auths: Readonly<Record<string, SnmpAuth>>;
  modules: ReadonlyMap<string, Readonly<SnmpModule>>;
  pool: SnmpSessionPool;
  recheckMs: number;
  now?: () => number;
  observer?: SnmpPollObserver;
}

interface TargetState {
  rates: CounterRates;
  neighbours?: string;
  rogues: Set<string>;
  identified?: string;
  down: boolean;
  lastError?: string;
  seq: number;
}

/** Status of one SNMP target, for `/targets` and logs. */
export interface SnmpTargetStatus {
  up: boolean;
  lastError?: string;
}

/** SNMP polling as a TargetCollector. */
export class SnmpCollector implements TargetCollector<"snmp"> {
  readonly kind = "snmp" as const;
  private readonly state = new Map<string, TargetState>();
  private readonly plans = new Map<string, PollPlan>();
  private readonly now: () => number;
  /** 64-bit metrics that replace a 32-bit twin (only their rows need remembering per pass). */
  private readonly shadowTargets = new Set<string>();

  constructor(private readonly deps: SnmpCollectorDeps) {
    this.now = deps.now ?? Date.now;
    for (const m of deps.modules.values()) for (const metric of m.metrics) if (metric.shadowedBy !== undefined) this.shadowTargets.add(metric.shadowedBy);
  }

  /** The delay before the next pass of a target: its interval, or the recheck period while it is down. */
  nextDelayMs(target: TargetOf<"snmp">): number {
    return this.state.get(target.id)?.down ? Math.min(this.deps.recheckMs, target.intervalSeconds * 1000) : target.intervalSeconds * 1000;
  }

  status(targetId: string): SnmpTargetStatus | undefined {
    const s = this.state.get(targetId);
    return s && { up: !s.down, ...(s.lastError !== undefined ? { lastError: s.lastError } : {}) };
  }

  async collect(target: TargetOf<"snmp">, signal: AbortSignal): Promise<CollectResult> {
    const auth = this.deps.auths[target.auth];
    if (auth === undefined) throw new Error(`target ${target.id}: no auth named "${target.auth}"`);
    let st = this.state.get(target.id);
    if (st === undefined) this.state.set(target.id, (st = { rates: new CounterRates(), rogues: new Set(), down: false, seq: 0 }));
    const plan = this.plan(["system", ...target.modules.filter((m) => m !== "system")]);
    // While down: one try, no retries, so a dead device costs one timeout per recheck.
    const client = this.deps.pool.get(target.host, target.port, target.auth, auth, st.down ? { retries: 0 } : {});
    const tsMs = this.now();
    const base = { device: target.device };
    const events: CityEvent[] = [];
    const ctx: EventContext = { agent: this.deps.agent, device: target.device, tsMs, seq: () => st.seq++ };
    try {
      const outcome = await pollDevice(client, plan, signal, base);
      const wasDown = st.down;
      st.down = false;
      delete st.lastError;
      this.deps.observer?.polled(target.id, outcome.walkSeconds, outcome.varbinds, outcome.badVarbinds);
      const samples = this.toSamples(outcome.samples, st, tsMs);
      samples.push({ name: "cityplane_snmp_device_up", labels: base, value: 1, timestampMs: tsMs }, { name: "cityplane_snmp_poll_outcome", labels: base, value: 1, timestampMs: tsMs }, { name: "cityplane_snmp_poll_duration_seconds", labels: base, value: outcome.walkSeconds, timestampMs: tsMs });
      if (wasDown) events.push(this.agentEvent(ctx, "device-reachable", "info", `${target.device} answers SNMP again`));
      this.identify(outcome.samples, st, samples, base, tsMs);
      const neighbours = lldpNeighbours(outcome.samples);
      if (target.modules.includes("lldp")) {
        const key = JSON.stringify(neighbours);
        if (key !== st.neighbours) events.push(topologyEvent(ctx, neighbours));
        st.neighbours = key;
      }
      if (target.modules.includes("wlc")) {
        const seen = rogueAps(outcome.samples);
        for (const [mac, ssid] of seen) if (!st.rogues.has(mac)) events.push(rogueApEvent(ctx, mac, ssid));
        st.rogues = new Set(seen.keys());
      }
      return { samples, events };
    } catch (err) {
      const reason = err instanceof SnmpRequestError ? err.failure : "protocol";
      const message = `${target.device} (${target.host}:${target.port}): ${reason === "timeout" ? "no answer (timeout)" : reason === "auth" ? `SNMP authentication failed: ${(err as Error).message}` : (err as Error).message}`;
      this.deps.observer?.failed(target.id, reason);
      if (reason !== "aborted" && !st.down) events.push(this.agentEvent(ctx, reason === "auth" ? "snmp-auth-failed" : "device-unreachable", reason === "auth" ? "major" : "minor", message));
      if (reason === "timeout") st.down = true;
      st.lastError = message;
      const samples = [{ name: "cityplane_snmp_device_up", labels: base, value: 0, timestampMs: tsMs }, { name: "cityplane_snmp_poll_outcome", labels: base, value: POLL_OUTCOME[reason] ?? 4, timestampMs: tsMs }];
      return { samples, events };
    }
  }

  forget(targetId: string): void {
    this.state.delete(targetId);
  }

  private plan(modules: string[]): PollPlan {
    const key = modules.join(",");
    let plan = this.plans.get(key);
    if (plan === undefined) {
      const mods = modules.map((m) => {
        const mod = this.deps.modules.get(m);
        if (mod === undefined) throw new Error(`unknown SNMP module "${m}"`);
        return mod;
      });
      this.plans.set(key, (plan = planPoll(mods)));
    }
    return plan;
  }

  private toSamples(polled: readonly SnmpSample[], st: TargetState, tsMs: number): Sample[] {
    const uptime = polled.find((s) => s.name === "sysUpTime")?.value;
    const ratesOk = st.rates.begin(tsMs, uptime);
    // 64-bit twins present this pass: their 32-bit counterparts are not shipped.
    // Keyed by metric then row index (the decoder's shared index strings): no string per sample.
    const hc = new Map<string, Set<string>>();
    for (const s of polled) {
      if (s.wireType !== SnmpType.Counter64 || !this.shadowTargets.has(s.name)) continue;
      let rows = hc.get(s.name);
      if (rows === undefined) hc.set(s.name, (rows = new Set()));
      rows.add(s.index);
    }
    const out: Sample[] = [];
    for (const s of polled) {
      const shadow = s.metric.shadowedBy;
      if (shadow !== undefined && hc.get(shadow)?.has(s.index) === true) continue;
      out.push({ name: s.name, labels: s.labels as Record<string, string>, value: s.value, timestampMs: tsMs });
      if (s.metric.type !== "counter") continue;
      const rate = st.rates.rate(s.name, s.index, s.value, s.wireType === SnmpType.Counter64 ? 64 : 32);
      if (ratesOk && rate !== undefined) out.push({ name: rateName(s.name), labels: s.labels as Record<string, string>, value: rate, timestampMs: tsMs });
    }
    st.rates.end();
    return out;
  }

  private identify(polled: readonly SnmpSample[], st: TargetState, out: Sample[], base: Record<string, string>, tsMs: number): void {
    const oid = polled.find((s) => s.name === "sysObjectID")?.labels.sysObjectID;
    const descr = polled.find((s) => s.name === "sysDescr")?.labels.sysDescr;
    if (oid === undefined && descr === undefined) return;
    const id = identifyDevice(oid ?? "", descr ?? "");
    out.push({ name: "cityplane_snmp_device_info", labels: { ...base, vendor: id.vendor, os: id.os, sysObjectID: id.sysObjectID }, value: 1, timestampMs: tsMs });
    st.identified = `${id.vendor}/${id.os}`;
  }

  private agentEvent(ctx: EventContext, type: string, severity: CityEvent["severity"], message: string): CityEvent {
    return { id: `${ctx.agent}:${ctx.device}:${ctx.tsMs}:${type}:${ctx.seq()}`.replace(/[^A-Za-z0-9._:-]/g, "_").slice(0, 128), ts: ctx.tsMs, kind: "agent", type, severity, security: type === "snmp-auth-failed", agent: ctx.agent, entity: { kind: "device", name: ctx.device }, message, attributes: {} };
  }
}
