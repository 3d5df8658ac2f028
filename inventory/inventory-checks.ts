import ipaddr from "ipaddr.js";
import type { Inventory } from "./inventory.schema.ts";
import { withArticle, type InventoryProblem } from "./inventory-problem.ts";

type Path = (string | number)[];

/**
 * Cross-reference checks the schema cannot express: references, duplicates, addresses inside
 * their pools, one VLAN and one interface per use on a device, and no cycles in the uplink or
 * unit trees. Pure: returns every problem, in document order.
 */
export function checkInventory(inv: Inventory): InventoryProblem[] {
  const problems: InventoryProblem[] = [];
  const report = (path: Path, message: string) => problems.push({ path, message });

  const unitIds = uniqueIndex(inv.units, (u) => u.id, ["units"], "id", "unit", report);
  const siteIds = uniqueIndex(inv.sites, (s) => s.id, ["sites"], "id", "site", report);
  const secrets = uniqueIndex(inv.secrets, (s) => s.name, ["secrets"], "name", "secret", report);
  const devices = uniqueIndex(inv.devices, (d) => d.name, ["devices"], "name", "device", report);
  uniqueIndex(inv.links, (l) => l.name, ["links"], "name", "link", report);
  uniqueIndex(inv.hotspots, (h) => h.name, ["hotspots"], "name", "hotspot", report);
  uniqueIndex(inv.ssids, (s) => s.name, ["ssids"], "name", "SSID", report);
  const services = uniqueIndex(inv.services, (s) => s.id, ["services"], "id", "service", report);
  const slas = uniqueIndex(inv.sla, (s) => s.id, ["sla"], "id", "SLA", report);
  uniqueIndex(inv.maintenance, (m) => m.id, ["maintenance"], "id", "maintenance window", report);

  // Units: parents exist, wards sit under districts, no cycles.
  inv.units.forEach((u, i) => {
    if (u.parent === undefined) {
      if (u.kind !== "city") report(["units", i, "parent"], `${withArticle(u.kind)} needs a parent unit`);
      return;
    }
    const parent = unitIds.get(u.parent);
    if (parent === undefined) report(["units", i, "parent"], `unknown unit "${u.parent}"`);
    else if (u.kind === "ward" && inv.units[parent]?.kind !== "district") {
      report(["units", i, "parent"], `a ward must sit under a district, "${u.parent}" is ${withArticle(inv.units[parent]?.kind ?? "unit")}`);
    }
  });
  findCycles(inv.units.map((u) => u.id), (i) => inv.units[i]?.parent, unitIds).forEach(({ index, cycle }) =>
    report(["units", index, "parent"], `parent cycle ${cycle.join(" → ")}`),
  );

  inv.sites.forEach((s, i) => {
    if (!unitIds.has(s.unit)) report(["sites", i, "unit"], `unknown unit "${s.unit}"`);
  });

  // Devices: site, secrets by reference, uplink, management addresses in the pool and unique.
  const mgmtPool4 = ipaddr.parseCIDR(inv.ipPlan.management.ipv4);
  const mgmtPool6 = inv.ipPlan.management.ipv6 ? ipaddr.parseCIDR(inv.ipPlan.management.ipv6) : undefined;
  const seenAddress = new Map<string, string>();
  inv.devices.forEach((d, i) => {
    if (!siteIds.has(d.site)) report(["devices", i, "site"], `unknown site "${d.site}"`);
    for (const [use, kinds] of [["snmp", ["snmp-community", "snmp-v3"]], ["ssh", ["ssh-password", "ssh-key"]]] as const) {
      const ref = d.credentials[use];
      if (ref === undefined) continue;
      const s = secrets.get(ref);
      // The value is not echoed: a secret written inline by mistake must not reach the logs.
      if (s === undefined) report(["devices", i, "credentials", use], "not a secret declared in secrets (credentials are referenced by name, never written inline)");
      else if (!(kinds as readonly string[]).includes(inv.secrets[s]!.kind)) {
        report(["devices", i, "credentials", use], `secret "${ref}" is ${withArticle(inv.secrets[s]!.kind)}, expected ${kinds.join(" or ")}`);
      }
    }
    if (d.uplink !== undefined) {
      if (d.uplink === d.name) report(["devices", i, "uplink"], "a device cannot be its own uplink");
      else if (!devices.has(d.uplink)) report(["devices", i, "uplink"], `unknown device "${d.uplink}"`);
    }
    const a4 = ipaddr.parse(d.mgmt.ipv4);
    if (!a4.match(mgmtPool4)) report(["devices", i, "mgmt", "ipv4"], `${d.mgmt.ipv4} is outside the management pool ${inv.ipPlan.management.ipv4}`);
    if (d.mgmt.ipv6 !== undefined) {
      const a6 = ipaddr.parse(d.mgmt.ipv6);
      if (mgmtPool6 === undefined) report(["devices", i, "mgmt", "ipv6"], "the IP plan has no IPv6 management pool");
      else if (!a6.match(mgmtPool6)) report(["devices", i, "mgmt", "ipv6"], `${d.mgmt.ipv6} is outside the management pool ${inv.ipPlan.management.ipv6}`);
    }
    for (const [fam, addr] of [["ipv4", d.mgmt.ipv4], ["ipv6", d.mgmt.ipv6]] as const) {
      if (addr === undefined) continue;
      const key = ipaddr.parse(addr).toNormalizedString();
      const owner = seenAddress.get(key);
      if (owner !== undefined) report(["devices", i, "mgmt", fam], `address ${addr} is already used by device "${owner}"`);
      else seenAddress.set(key, d.name);
    }
  });
  findCycles(inv.devices.map((d) => d.name), (i) => inv.devices[i]?.uplink, devices).forEach(({ index, cycle }) =>
    report(["devices", index, "uplink"], `uplink cycle ${cycle.join(" → ")}`),
  );

  checkLinks(inv, devices, slas, report);

  // Hotspots hang off a Wi-Fi controller; SSIDs name existing groups.
  const groups = new Set(inv.hotspots.map((h) => h.group));
  inv.hotspots.forEach((h, i) => {
    if (!siteIds.has(h.site)) report(["hotspots", i, "site"], `unknown site "${h.site}"`);
    const c = devices.get(h.controller);
    if (c === undefined) report(["hotspots", i, "controller"], `unknown device "${h.controller}"`);
    else if (inv.devices[c]!.role !== "wlc") report(["hotspots", i, "controller"], `device "${h.controller}" is ${withArticle(inv.devices[c]!.role)}, not a wlc`);
  });
  inv.ssids.forEach((s, i) =>
    s.groups?.forEach((g, j) => {
      if (!groups.has(g)) report(["ssids", i, "groups", j], `no hotspot is in group "${g}"`);
    }),
  );

  inv.services.forEach((s, i) => {
    const u = unitIds.get(s.department);
    if (u === undefined) report(["services", i, "department"], `unknown unit "${s.department}"`);
  });

  const entityNames: Record<string, Set<string>> = {
    device: new Set(devices.keys()),
    link: new Set(inv.links.map((l) => l.name)),
    hotspot: new Set(inv.hotspots.map((h) => h.name)),
    service: new Set(services.keys()),
    site: new Set(siteIds.keys()),
  };
  inv.maintenance.forEach((m, i) => {
    if (Date.parse(m.end) <= Date.parse(m.start)) report(["maintenance", i, "end"], "ends before it starts");
    m.entities.forEach((e, j) => {
      if (!entityNames[e.kind]?.has(e.name)) report(["maintenance", i, "entities", j, "name"], `unknown ${e.kind} "${e.name}"`);
    });
  });

  if (inv.ipPlan.linkVlans.from > inv.ipPlan.linkVlans.to) report(["ipPlan", "linkVlans"], "from is greater than to");
  return problems;
}

function checkLinks(
  inv: Inventory,
  devices: Map<string, number>,
  slas: Map<string, number>,
  report: (path: Path, message: string) => void,
): void {
  const p2p4 = ipaddr.parseCIDR(inv.ipPlan.pointToPoint.ipv4);
  const p2p6 = inv.ipPlan.pointToPoint.ipv6 ? ipaddr.parseCIDR(inv.ipPlan.pointToPoint.ipv6) : undefined;
  const vlansOnDevice = new Map<string, string>();
  const interfaceUse = new Map<string, string>();
  const prefixUse = new Map<string, string>();
  inv.links.forEach((l, i) => {
    // A link looped onto one device is reported once, not again as a VLAN clash with itself.
    const ends = l.a.device === l.b.device ? (["a"] as const) : (["a", "b"] as const);
    for (const end of ends) {
      const { device, interface: ifName } = l[end];
      if (!devices.has(device)) {
        report(["links", i, end, "device"], `unknown device "${device}"`);
        continue;
      }
      const ifKey = `${device}\u0000${ifName}`;
      const ifOwner = interfaceUse.get(ifKey);
      if (ifOwner !== undefined) report(["links", i, end, "interface"], `interface ${ifName} of "${device}" is already used by link "${ifOwner}"`);
      else interfaceUse.set(ifKey, l.name);
      const vlanKey = `${device}\u0000${l.vlan}`;
      const vlanOwner = vlansOnDevice.get(vlanKey);
      if (vlanOwner !== undefined) report(["links", i, "vlan"], `VLAN ${l.vlan} is already used on "${device}" by link "${vlanOwner}"`);
      else vlansOnDevice.set(vlanKey, l.name);
    }
    if (l.a.device === l.b.device) report(["links", i, "b", "device"], "a link cannot join a device to itself");
    if (l.sla !== undefined && !slas.has(l.sla)) report(["links", i, "sla"], `unknown SLA "${l.sla}"`);
    const { from, to } = inv.ipPlan.linkVlans;
    if (l.kind === "metro" && (l.vlan < from || l.vlan > to)) report(["links", i, "vlan"], `VLAN ${l.vlan} is outside the link VLAN range ${from}-${to}`);

    const [net4, len4] = ipaddr.parseCIDR(l.ipv4);
    // RFC 3021: a point-to-point link takes a /31.
    if (len4 !== 31) report(["links", i, "ipv4"], `${l.ipv4} must be a /31`);
    else if (!net4.match(p2p4)) report(["links", i, "ipv4"], `${l.ipv4} is outside the point-to-point pool ${inv.ipPlan.pointToPoint.ipv4}`);
    else claimPrefix(prefixUse, l.ipv4, l.name, ["links", i, "ipv4"], report);
    if (l.ipv6 !== undefined) {
      const [net6, len6] = ipaddr.parseCIDR(l.ipv6);
      // RFC 6164: /127 on inter-router links.
      if (len6 !== 127) report(["links", i, "ipv6"], `${l.ipv6} must be a /127`);
      else if (p2p6 === undefined) report(["links", i, "ipv6"], "the IP plan has no IPv6 point-to-point pool");
      else if (!net6.match(p2p6)) report(["links", i, "ipv6"], `${l.ipv6} is outside the point-to-point pool ${inv.ipPlan.pointToPoint.ipv6}`);
      else claimPrefix(prefixUse, l.ipv6, l.name, ["links", i, "ipv6"], report);
    }
  });
}

function claimPrefix(used: Map<string, string>, cidr: string, owner: string, path: Path, report: (path: Path, message: string) => void): void {
  const [addr, len] = ipaddr.parseCIDR(cidr);
  const key = `${networkOf(addr, len)}/${len}`;
  const prev = used.get(key);
  if (prev !== undefined) report(path, `${cidr} is already assigned to link "${prev}"`);
  else used.set(key, owner);
}

/** The network address of a prefix, normalised (so 10.0.0.1/31 and 10.0.0.0/31 collide). */
export function networkOf(addr: ipaddr.IPv4 | ipaddr.IPv6, len: number): string {
  const bytes = addr.toByteArray();
  for (let bit = len; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return ipaddr.fromByteArray(bytes).toNormalizedString();
}

function uniqueIndex<T>(
  items: readonly T[],
  key: (item: T) => string,
  path: Path,
  field: string,
  what: string,
  report: (path: Path, message: string) => void,
): Map<string, number> {
  const index = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = index.get(k);
    if (first !== undefined) report([...path, i, field], `duplicate ${what} "${k}" (first at ${path.join(".")}[${first}])`);
    else index.set(k, i);
  });
  return index;
}

/** Each cycle once, reported at its first member in document order. */
function findCycles(names: string[], parentOf: (i: number) => string | undefined, index: Map<string, number>): { index: number; cycle: string[] }[] {
  const state = new Array<0 | 1 | 2>(names.length).fill(0); // 0 new, 1 on path, 2 done
  const found: { index: number; cycle: string[] }[] = [];
  for (let start = 0; start < names.length; start++) {
    const path: number[] = [];
    let i: number | undefined = start;
    while (i !== undefined && state[i] === 0) {
      state[i] = 1;
      path.push(i);
      const p = parentOf(i);
      i = p === undefined ? undefined : index.get(p);
    }
    if (i !== undefined && state[i] === 1) {
      const cycle = path.slice(path.indexOf(i));
      const first = Math.min(...cycle);
      const rotated = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first))];
      found.push({ index: first, cycle: [...rotated, first].map((k) => names[k]!) });
    }
    for (const k of path) state[k] = 2;
  }
  return found.sort((a, b) => a.index - b.index);
}
