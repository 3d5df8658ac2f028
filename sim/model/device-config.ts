import type { InterfaceSpec } from "./device-interfaces.ts";

/**
 * The configuration a simulated router holds, in the shape IOS keeps it: the running config is
 * what the device does now (and what SNMP shows), the startup config what it boots with. They
 * differ between a change and `write memory` — the "unsaved configuration" the console flags.
 */
export interface InterfaceConfig {
  name: string;
  description: string;
  shutdown: boolean;
  dot1q?: number;
  ipv4?: { address: string; mask: string };
  ipv6?: string;
  servicePolicyIn?: string;
  servicePolicyOut?: string;
}

export interface DeviceConfig {
  hostname: string;
  interfaces: Map<string, InterfaceConfig>;
  vlans: Map<number, string>;
}

/** /len → dotted mask (IOS shows masks, not lengths). */
export function maskOf(prefixLength: number): string {
  const bits = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join(".");
}

/** The config a device boots with, from its inventory interfaces. */
export function initialConfig(hostname: string, specs: InterfaceSpec[]): DeviceConfig {
  const interfaces = new Map<string, InterfaceConfig>();
  const vlans = new Map<number, string>();
  for (const s of specs) {
    interfaces.set(s.name, {
      name: s.name,
      description: s.description,
      shutdown: false,
      dot1q: s.vlan,
      ipv4: s.ipv4 ? { address: s.ipv4.address, mask: maskOf(s.ipv4.prefixLength) } : undefined,
      ipv6: s.ipv6,
    });
    if (s.vlan !== undefined) vlans.set(s.vlan, (s.link ?? `vlan${s.vlan}`).toUpperCase());
  }
  return { hostname, interfaces, vlans };
}

/** A deep copy (startup ← running on `write memory`). */
export function cloneConfig(c: DeviceConfig): DeviceConfig {
  return {
    hostname: c.hostname,
    interfaces: new Map([...c.interfaces].map(([k, v]) => [k, { ...v, ipv4: v.ipv4 ? { ...v.ipv4 } : undefined }])),
    vlans: new Map(c.vlans),
  };
}

/** IOS-style text of a configuration (`show running-config`). */
export function renderConfig(c: DeviceConfig, header: string[] = []): string {
  const out: string[] = ["Building configuration...", "", ...header, "!", "version 17.9", "service timestamps log datetime msec", "service password-encryption", "!", `hostname ${c.hostname}`, "!"];
  for (const [id, name] of [...c.vlans].sort((a, b) => a[0] - b[0])) out.push(`vlan ${id}`, ` name ${name}`, "!");
  for (const i of c.interfaces.values()) {
    out.push(`interface ${i.name}`);
    if (i.description) out.push(` description ${i.description}`);
    if (i.dot1q !== undefined) out.push(` encapsulation dot1Q ${i.dot1q}`);
    if (i.ipv4) out.push(` ip address ${i.ipv4.address} ${i.ipv4.mask}`);
    else if (!/^Loopback/.test(i.name)) out.push(" no ip address");
    if (i.ipv6) out.push(` ipv6 address ${i.ipv6}`);
    if (i.servicePolicyIn) out.push(` service-policy input ${i.servicePolicyIn}`);
    if (i.servicePolicyOut) out.push(` service-policy output ${i.servicePolicyOut}`);
    if (i.shutdown) out.push(" shutdown");
    out.push("!");
  }
  out.push("line vty 0 4", " transport input ssh", "!", "end");
  return out.join("\r\n");
}

/** True when two configurations would print the same (ignoring the header). */
export function sameConfig(a: DeviceConfig, b: DeviceConfig): boolean {
  return renderConfig(a) === renderConfig(b);
}
