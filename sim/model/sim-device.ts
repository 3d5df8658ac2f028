import { EventEmitter } from "node:events";
import type { Device } from "../../inventory/inventory.schema.ts";
import type { SimClock } from "../sim-clock.ts";
import { octetsAt, peakPhase, type TrafficProfile } from "../traffic-model.ts";
import { cloneConfig, initialConfig, sameConfig, type DeviceConfig } from "./device-config.ts";
import type { InterfaceSpec } from "./device-interfaces.ts";
import { between } from "./seeded-random.ts";

/** Something that happened on a device, as traps and syslog report it. */
export type SimDeviceEvent =
  | { type: "cold-start" }
  | { type: "link"; ifIndex: number; ifName: string; up: boolean; adminUp: boolean }
  | { type: "auth-failure"; protocol: "ssh" | "snmp"; source: string; user?: string }
  | { type: "login"; protocol: "ssh"; source: string; user: string }
  | { type: "configured"; source: string; user: string }
  | { type: "config-saved"; user: string }
  | { type: "ap"; ap: string; apMac: string; up: boolean; reason: string };

/** Live state of one interface: admin state comes from the running config, oper state from the network. */
export interface InterfaceState {
  spec: InterfaceSpec;
  operUp: boolean;
  /** Simulated ms of the last oper change (ifLastChange). */
  lastChangeMs: number;
  inProfile: TrafficProfile;
  outProfile: TrafficProfile;
  /** Octets not carried while down, per direction. */
  pausedIn: number;
  pausedOut: number;
  downSinceSec?: number;
  /** Last values answered: counters never go backwards, whatever float rounding does. */
  lastIn: bigint;
  lastOut: bigint;
}

const UTC_OFFSET_HOURS = 7; // Asia/Ho_Chi_Minh

function profile(seed: number, key: string, speedMbps: number, busy: number): TrafficProfile {
  const base = between(seed, `${key}/base`, 0.08, 0.3) * busy;
  return {
    fullOctetsPerSecond: (speedMbps * 1e6) / 8,
    base,
    diurnal: base * between(seed, `${key}/diurnal`, 0.4, 0.7),
    phase: peakPhase(between(seed, `${key}/peak`, 10, 15), UTC_OFFSET_HOURS),
    wobble: base * between(seed, `${key}/wobble`, 0.05, 0.2),
    wobblePeriodSeconds: between(seed, `${key}/period`, 240, 1200),
    wobblePhase: between(seed, `${key}/wphase`, 0, 2 * Math.PI),
  };
}

/** One simulated device: its running/startup config, interfaces with lazily computed counters, and events. */
export class SimDevice extends EventEmitter<{ event: [SimDeviceEvent] }> {
  bootMs: number;
  running: DeviceConfig;
  startup: DeviceConfig;
  readonly interfaces: InterfaceState[];
  readonly byName = new Map<string, InterfaceState>();
  /** Bytes per simulated second a scenario writes to the data filesystem (servers, k8s nodes). */
  private diskFill = { bytesPerSecond: 0, filled: 0, sinceMs: 0 };
  /** Who last changed the running config, and when (simulated ms). */
  lastChange?: { user: string; source: string; atMs: number };

  constructor(
    readonly device: Device,
    specs: InterfaceSpec[],
    readonly clock: SimClock,
    readonly seed: number,
  ) {
    super();
    const now = clock.nowMs();
    // Devices have been up for a seeded 1-30 days: counters and sysUpTime start from a realistic point.
    this.bootMs = Math.floor(now - between(seed, `${device.name}/uptime`, 1, 30) * 86_400_000);
    this.running = initialConfig(device.name, specs);
    this.startup = cloneConfig(this.running);
    const busy = device.role === "access-router" ? 0.8 : device.role === "server" || device.role === "k8s-node" ? 1.2 : 1.5;
    this.interfaces = specs.map((spec) => {
      const key = `${device.name}/${spec.name}`;
      const quiet = spec.ifType === 24 || spec.description === "management" ? 0.01 : busy;
      const s: InterfaceState = {
        spec,
        operUp: true,
        lastChangeMs: this.bootMs + 30_000,
        inProfile: profile(seed, `${key}/in`, spec.speedMbps, quiet),
        outProfile: profile(seed, `${key}/out`, spec.speedMbps, quiet * 0.7),
        pausedIn: 0,
        pausedOut: 0,
        lastIn: 0n,
        lastOut: 0n,
      };
      this.byName.set(spec.name, s);
      return s;
    });
  }

  /** Starts (or stops, with 0) filling the data filesystem at `bytesPerSecond` of simulated time. */
  setDiskFill(bytesPerSecond: number): void {
    this.diskFill = { bytesPerSecond, filled: this.diskFilledBytes(), sinceMs: this.clock.nowMs() };
  }

  /** Bytes written to the data filesystem by the current and past fills. */
  diskFilledBytes(): number {
    const d = this.diskFill;
    return d.filled + (d.bytesPerSecond * Math.max(0, this.clock.nowMs() - d.sinceMs)) / 1000;
  }

  /** A reboot: the startup config becomes the running one, counters and uptime start from zero. */
  reboot(atMs = this.clock.nowMs()): void {
    this.bootMs = atMs;
    this.running = cloneConfig(this.startup);
    for (const i of this.interfaces) {
      // A port still down keeps its counters at zero: its pause starts at boot.
      Object.assign(i, { pausedIn: 0, pausedOut: 0, lastIn: 0n, lastOut: 0n, downSinceSec: i.operUp ? undefined : atMs / 1000, lastChangeMs: atMs });
    }
  }

  /** Emits an event to traps, syslog and whoever listens. */
  report(e: SimDeviceEvent): void {
    this.emit("event", e);
  }

  /** Admin state: `shutdown` in the running config. */
  adminUp(i: InterfaceState): boolean {
    return !(this.running.interfaces.get(i.spec.name)?.shutdown ?? false);
  }

  /** Sets oper state at simulated `atMs`, pausing the counters while down; reports a change. */
  setOper(i: InterfaceState, up: boolean, atMs = this.clock.nowMs()): void {
    if (i.operUp === up) return;
    const t = atMs / 1000;
    if (!up) i.downSinceSec = t;
    else if (i.downSinceSec !== undefined) {
      i.pausedIn += octetsAt(i.inProfile, t) - octetsAt(i.inProfile, i.downSinceSec);
      i.pausedOut += octetsAt(i.outProfile, t) - octetsAt(i.outProfile, i.downSinceSec);
      i.downSinceSec = undefined;
    }
    i.operUp = up;
    i.lastChangeMs = atMs;
    this.report({ type: "link", ifIndex: i.spec.ifIndex, ifName: i.spec.name, up, adminUp: this.adminUp(i) });
  }

  /** ifHCInOctets / ifHCOutOctets at simulated `atMs`. */
  octets(i: InterfaceState, dir: "in" | "out", atMs = this.clock.nowMs()): bigint {
    const p = dir === "in" ? i.inProfile : i.outProfile;
    const t = i.downSinceSec ?? atMs / 1000;
    const carried = octetsAt(p, t) - octetsAt(p, this.bootMs / 1000) - (dir === "in" ? i.pausedIn : i.pausedOut);
    const v = BigInt(Math.max(0, Math.floor(carried)));
    if (dir === "in") return (i.lastIn = v > i.lastIn ? v : i.lastIn);
    return (i.lastOut = v > i.lastOut ? v : i.lastOut);
  }

  /** sysUpTime in hundredths of a second (TimeTicks wrap at 2^32, RFC 2578 §7.1.8). */
  uptimeTicks(atMs = this.clock.nowMs()): number {
    return Math.floor((atMs - this.bootMs) / 10) % 2 ** 32;
  }

  /** Running config differs from startup (a change not saved with `write memory`). */
  unsaved(): boolean {
    return !sameConfig(this.running, this.startup);
  }

  /** `write memory`. */
  save(user: string): void {
    this.startup = cloneConfig(this.running);
    this.report({ type: "config-saved", user });
  }
}
