import type { Device, Inventory, Link } from "../../inventory/inventory.schema.ts";

/** An interface as the simulated device boots with it (the running config may change it later). */
export interface InterfaceSpec {
  ifIndex: number;
  name: string;
  /** IANAifType: 6 ethernetCsmacd, 24 softwareLoopback, 135 l2vlan (802.1Q sub-interface). */
  ifType: 6 | 24 | 135;
  speedMbps: number;
  description: string;
  /** The inventory link on this interface, if any. */
  link?: string;
  peer?: { device: string; interface: string };
  /** Address on the link (RFC 3021 /31: side a takes the even address). */
  ipv4?: { address: string; prefixLength: number };
  ipv6?: string;
  vlan?: number;
  /** ifIndex of the physical port a sub-interface rides on. */
  parent?: number;
}

/** Speed implied by an interface name, the way IOS and NX-OS name ports. */
export function speedFromName(name: string): number {
  if (/^Hundred|^Eth.*\/4[89]|^HundredGig/i.test(name)) return 100_000;
  if (/^FortyGig/i.test(name)) return 40_000;
  if (/^TwentyFive/i.test(name)) return 25_000;
  if (/^TenGig|^port|^Ethernet|^x/i.test(name)) return 10_000;
  if (/^Loopback/i.test(name)) return 8_000;
  return 1_000;
}

function mgmtInterfaceName(d: Device): string {
  if (d.vendor === "Fortinet") return "mgmt";
  if (d.role === "spine" || d.role === "leaf") return "mgmt0";
  if (d.role === "server" || d.role === "k8s-node") return "eno1";
  if (d.role === "wlc") return "management";
  return "GigabitEthernet0";
}

function p2pAddress(cidr: string, side: "a" | "b"): { address: string; prefixLength: number } {
  const [addr, len] = cidr.split("/");
  const octets = (addr ?? "0.0.0.0").split(".").map(Number);
  if (side === "b") octets[3] = (octets[3] ?? 0) + 1;
  return { address: octets.join("."), prefixLength: Number(len) };
}

function v6Address(cidr: string | undefined, side: "a" | "b"): string | undefined {
  if (!cidr) return undefined;
  const [addr, len] = cidr.split("/");
  if (!addr) return undefined;
  if (side === "a") return `${addr}/${len}`;
  const m = /^(.*?)([0-9a-f]*)$/i.exec(addr);
  const last = parseInt(m?.[2] || "0", 16) + 1;
  return `${m?.[1] ?? ""}${last.toString(16)}/${len}`;
}

/**
 * Every interface of a device, numbered deterministically: management port, physical ports,
 * their 802.1Q sub-interfaces, then loopbacks (routers carry Loopback0 for their router id).
 */
export function deviceInterfaces(inv: Pick<Inventory, "links">, d: Device, linksByDevice?: Map<string, Link[]>): InterfaceSpec[] {
  const links = linksByDevice?.get(d.name) ?? inv.links.filter((l) => l.a.device === d.name || l.b.device === d.name);
  const byName = new Map<string, Omit<InterfaceSpec, "ifIndex">>();
  byName.set(mgmtInterfaceName(d), { name: mgmtInterfaceName(d), ifType: 6, speedMbps: 1000, description: "management" });
  for (const l of links) {
    for (const side of ["a", "b"] as const) {
      const end = l[side];
      if (end.device !== d.name) continue;
      const other = l[side === "a" ? "b" : "a"];
      const dot = end.interface.indexOf(".");
      const physical = dot > 0 ? end.interface.slice(0, dot) : undefined;
      if (physical && !byName.has(physical)) byName.set(physical, { name: physical, ifType: 6, speedMbps: speedFromName(physical), description: "metro trunk" });
      byName.set(end.interface, {
        name: end.interface,
        ifType: dot > 0 ? 135 : 6,
        speedMbps: l.bandwidthMbps,
        description: `${l.kind === "metro" ? "METRO" : "DC"}: ${other.device} ${other.interface} (${l.name})`,
        link: l.name,
        peer: { device: other.device, interface: other.interface },
        ipv4: p2pAddress(l.ipv4, side),
        ipv6: v6Address(l.ipv6, side),
        vlan: dot > 0 ? l.vlan : undefined,
      });
    }
  }
  for (const i of d.interfaces) {
    const prev = byName.get(i.name);
    byName.set(i.name, { ...(prev ?? { ifType: /^Loopback/i.test(i.name) ? 24 : 6, speedMbps: speedFromName(i.name) }), name: i.name, description: i.description ?? prev?.description ?? "", speedMbps: i.speedMbps ?? prev?.speedMbps ?? speedFromName(i.name) } as Omit<InterfaceSpec, "ifIndex">);
  }
  const routed = ["core-router", "dist-router", "access-router", "spine", "leaf"].includes(d.role);
  if (routed && !byName.has("Loopback0")) byName.set("Loopback0", { name: "Loopback0", ifType: 24, speedMbps: 8000, description: "router id" });
  const order = (s: Omit<InterfaceSpec, "ifIndex">): number => (s.ifType === 24 ? 2 : 0);
  const specs = [...byName.values()].sort((x, y) => order(x) - order(y) || x.name.localeCompare(y.name, "en", { numeric: true }));
  const indexed = specs.map((s, i) => ({ ...s, ifIndex: i + 1 }));
  const indexOf = new Map(indexed.map((s) => [s.name, s.ifIndex]));
  for (const s of indexed) {
    const dot = s.name.indexOf(".");
    if (dot > 0) s.parent = indexOf.get(s.name.slice(0, dot));
  }
  return indexed;
}
