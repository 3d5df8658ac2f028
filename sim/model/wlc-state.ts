import { createHash } from "node:crypto";
import type { Hotspot, Inventory, Ssid } from "../../inventory/inventory.schema.ts";
import type { SimClock } from "../sim-clock.ts";
import { between } from "./seeded-random.ts";
import type { SimDevice } from "./sim-device.ts";

/** An access point as its controller sees it. */
export interface SimAp {
  hotspot: Hotspot;
  mac: string;
  /** The controller it is joined to now (its primary unless failed over). */
  controller: string;
  up: boolean;
  /** AP group and location as configured on the controller (`config ap location|group`). */
  group: string;
  location: string;
}

/** An AP the controller hears that is not one of its own. */
export interface RogueAp {
  mac: string;
  ssid: string;
  rssi: number;
  clients: number;
}

/** A WLAN (SSID profile) configured on a controller. */
export interface SimWlan {
  id: number;
  profile: string;
  ssid: string;
  enabled: boolean;
  vlan: number;
  security: string;
}

function macOf(key: string): string {
  const h = createHash("sha256").update(key).digest();
  // Cisco AP OUI 00:3a:7d.
  return ["00", "3a", "7d", ...[0, 1, 2].map((i) => (h[i] ?? 0).toString(16).padStart(2, "0"))].join(":");
}

/**
 * The Wi-Fi side of the city: which controller each AP is joined to, whether it is up, clients
 * per radio (from the time of day, computed when asked), WLANs and rogue APs per controller.
 */
export class WlcState {
  readonly aps: SimAp[];
  readonly wlans = new Map<string, SimWlan[]>();
  readonly rogues = new Map<string, RogueAp[]>();
  private readonly down = new Set<string>();

  constructor(
    inventory: Inventory,
    private readonly clock: SimClock,
    private readonly seed: number,
    private readonly devices: Map<string, SimDevice>,
    /** Called when APs move between controllers or rogues change (the SNMP tables re-list rows). */
    private readonly changed: () => void = () => undefined,
  ) {
    this.aps = inventory.hotspots.map((h) => ({ hotspot: h, mac: macOf(`ap/${h.name}`), controller: h.controller, up: true, group: h.group, location: h.location }));
    const controllers = inventory.devices.filter((d) => d.role === "wlc").map((d) => d.name);
    for (const c of controllers) {
      this.wlans.set(c, inventory.ssids.map((s: Ssid, i) => ({ id: i + 1, profile: s.name.replace(/\s+/g, "-").toLowerCase(), ssid: s.name, enabled: true, vlan: s.vlan, security: s.security })));
      this.rogues.set(c, []);
    }
  }

  /** APs joined to a controller now. */
  apsOn(controller: string): SimAp[] {
    return this.aps.filter((a) => a.controller === controller);
  }

  ap(name: string): SimAp {
    const a = this.aps.find((x) => x.hotspot.name === name);
    if (!a) throw new Error(`no hotspot "${name}" in the simulated city`);
    return a;
  }

  /** Clients on one radio (slot 0: 2.4 GHz, slot 1: 5 GHz) at the current simulated time. */
  clients(a: SimAp, slot: number): number {
    if (!a.up) return 0;
    const hour = ((this.clock.nowMs() / 3_600_000 + 7) % 24 + 24) % 24;
    const busy = Math.max(0.05, Math.sin(((hour - 6) / 16) * Math.PI));
    const size = between(this.seed, `clients/${a.hotspot.name}/${slot}`, 4, slot === 0 ? 18 : 30);
    return Math.round(size * busy);
  }

  /** Takes an AP off the air (or brings it back): the controller reports the disassociation. */
  setApUp(name: string, up: boolean, reason = up ? "joined" : "Heartbeat timeout"): void {
    const a = this.ap(name);
    if (a.up === up) return;
    a.up = up;
    this.devices.get(a.controller)?.report({ type: "ap", ap: a.hotspot.name, apMac: a.mac, up, reason });
  }

  /** A controller fails (its APs join the other one) or comes back (they return to their primary). */
  failover(controller: string, failed: boolean): void {
    if (failed) this.down.add(controller);
    else this.down.delete(controller);
    const others = [...this.wlans.keys()].filter((c) => c !== controller && !this.down.has(c));
    for (const a of this.aps) {
      const target = failed ? (a.controller === controller ? others[0] : undefined) : a.hotspot.controller === controller && a.controller !== controller ? controller : undefined;
      if (!target) continue;
      this.devices.get(a.controller)?.report({ type: "ap", ap: a.hotspot.name, apMac: a.mac, up: false, reason: failed ? "Controller unreachable" : "Fallback to primary controller" });
      a.controller = target;
      if (a.up) this.devices.get(target)?.report({ type: "ap", ap: a.hotspot.name, apMac: a.mac, up: true, reason: "joined" });
    }
    this.changed();
  }

  isDown(controller: string): boolean {
    return this.down.has(controller);
  }

  /** A rogue AP appears near a controller's APs broadcasting `ssid` (or disappears). */
  setRogue(controller: string, ssid: string, present: boolean): void {
    const list = this.rogues.get(controller) ?? [];
    const mac = macOf(`rogue/${controller}/${ssid}`).replace(/^00:3a:7d/, "de:ad:be");
    const rest = list.filter((r) => r.mac !== mac);
    this.rogues.set(controller, present ? [...rest, { mac, ssid, rssi: -48, clients: 3 }] : rest);
    this.changed();
  }
}
