import { EventEmitter } from "node:events";
import type { Inventory, Link } from "../../inventory/inventory.schema.ts";
import type { SimClock } from "../sim-clock.ts";
import { deviceInterfaces } from "./device-interfaces.ts";
import { SimDevice, type InterfaceState } from "./sim-device.ts";
import { WlcState } from "./wlc-state.ts";

/**
 * The whole simulated network: every device of the inventory (cheap: no sockets) and the state
 * of every link. An interface is operationally up when it is not shut, its link is not cut and
 * the far end is not shut either — as on a real point-to-point circuit.
 */
export class SimNetwork extends EventEmitter {
  readonly devices = new Map<string, SimDevice>();
  readonly links = new Map<string, Link>();
  /** Access points, WLANs and rogues of the Wi-Fi controllers. */
  readonly wlc: WlcState;
  private readonly cut = new Set<string>();
  private readonly poweredOff = new Set<string>();
  /** LLDP neighbours that differ from the inventory ("device|interface" → what is really seen). */
  private readonly lldpOverride = new Map<string, { device: string; interface: string }>();

  constructor(
    readonly inventory: Inventory,
    readonly clock: SimClock,
    readonly seed: number,
  ) {
    super();
    // One listener per device's LLDP table: 150 is expected, not a leak.
    this.setMaxListeners(0);
    const byDevice = new Map<string, Link[]>();
    for (const l of inventory.links) {
      this.links.set(l.name, l);
      for (const d of [l.a.device, l.b.device]) byDevice.set(d, [...(byDevice.get(d) ?? []), l]);
    }
    for (const d of inventory.devices) this.devices.set(d.name, new SimDevice(d, deviceInterfaces(inventory, d, byDevice), clock, seed));
    this.wlc = new WlcState(inventory, clock, seed, this.devices, () => this.emit("wlc-changed"));
  }

  /** The device, or a clear error naming it. */
  device(name: string): SimDevice {
    const d = this.devices.get(name);
    if (!d) throw new Error(`no device "${name}" in the simulated city`);
    return d;
  }

  /** Cuts (or repairs) a link: both ends go down (or come back). */
  setLinkCut(name: string, cut: boolean): void {
    if (!this.links.has(name)) throw new Error(`no link "${name}" in the simulated city`);
    if (cut) this.cut.add(name);
    else this.cut.delete(name);
    this.refreshLink(name);
  }

  /** The neighbour LLDP reports on a port: the inventory's far end unless a scenario re-patched it. */
  lldpNeighbour(device: string, ifName: string): { device: string; interface: string } | undefined {
    const o = this.lldpOverride.get(`${device}|${ifName}`);
    if (o) return o;
    return this.devices.get(device)?.byName.get(ifName)?.spec.peer;
  }

  /** Makes a port see another neighbour than the inventory says (a cable moved by hand); undefined restores it. */
  setLldpNeighbour(device: string, ifName: string, seen: { device: string; interface: string } | undefined): void {
    if (!this.device(device).byName.has(ifName)) throw new Error(`no interface "${ifName}" on ${device}`);
    if (seen) this.lldpOverride.set(`${device}|${ifName}`, seen);
    else this.lldpOverride.delete(`${device}|${ifName}`);
    this.emit("lldp-changed", device);
  }

  /** A device loses power (every port goes down, at both ends of its links) or gets it back. */
  setPowered(name: string, on: boolean): void {
    const d = this.device(name);
    if (on) this.poweredOff.delete(name);
    else this.poweredOff.add(name);
    for (const i of d.interfaces) this.refreshInterface(d, i);
  }

  isCut(name: string): boolean {
    return this.cut.has(name);
  }

  /** Re-evaluates the oper state of one interface after its config changed (and its link's far end). */
  refreshInterface(device: SimDevice, i: InterfaceState): void {
    if (i.spec.link) this.refreshLink(i.spec.link);
    else device.setOper(i, this.up(device, i));
    // Sub-interfaces follow their physical port.
    for (const sub of device.interfaces) if (sub.spec.parent === i.spec.ifIndex) this.refreshInterface(device, sub);
  }

  private up(device: SimDevice, i: InterfaceState): boolean {
    if (this.poweredOff.has(device.device.name) || !device.adminUp(i)) return false;
    const parent = i.spec.parent === undefined ? undefined : device.interfaces[i.spec.parent - 1];
    return parent === undefined || device.adminUp(parent);
  }

  private refreshLink(name: string): void {
    const l = this.links.get(name);
    if (!l) return;
    const ends = [l.a, l.b].map((e) => {
      const d = this.devices.get(e.device);
      const i = d?.byName.get(e.interface);
      return d && i ? { d, i } : undefined;
    });
    const up = !this.cut.has(name) && ends.every((e) => e === undefined || this.up(e.d, e.i));
    for (const e of ends) if (e) e.d.setOper(e.i, up);
  }
}
