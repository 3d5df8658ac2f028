import type { Device, DeviceRole, Inventory } from "../../inventory/inventory.schema.ts";
import type { Target } from "../../protocol/assignment.schema.ts";
import type { AddressResolver } from "./address-resolver.ts";

/** SNMP modules polled per device role (the agent's module registry names). */
export const SNMP_MODULES_BY_ROLE: Record<DeviceRole, string[]> = {
  "core-router": ["system", "if_mib", "lldp"],
  firewall: ["system", "if_mib", "lldp"],
  spine: ["system", "if_mib", "lldp"],
  leaf: ["system", "if_mib", "lldp"],
  "dist-router": ["system", "if_mib", "lldp"],
  "access-router": ["system", "if_mib", "lldp"],
  switch: ["system", "if_mib", "lldp"],
  wlc: ["system", "if_mib", "wlc"],
  ap: ["system", "if_mib"],
  server: ["system", "if_mib", "host_resources"],
  "k8s-node": ["system", "if_mib", "host_resources"],
};

/** Collection intervals; the defaults suit a city (probes use each service's own interval). */
export interface TargetIntervals {
  snmpSeconds: number;
  scrapeSeconds: number;
  sshSeconds: number;
  /** Scrape timeout; must stay below the scrape interval. */
  scrapeTimeoutSeconds: number;
}

export const DEFAULT_INTERVALS: TargetIntervals = { snmpSeconds: 30, scrapeSeconds: 30, sshSeconds: 300, scrapeTimeoutSeconds: 10 };

function sshDriver(device: Device): "ios" | "wlc" {
  return device.role === "wlc" ? "wlc" : "ios";
}

/**
 * Every target the inventory implies: one `snmp` per device with SNMP credentials, one `ssh`
 * per device with SSH credentials, one `probe` per eGov service, one `scrape` per service's
 * `/metrics` and per k8s node. `auth` is the inventory's secret name, which the agent maps to
 * credentials in its own config (secrets never travel in assignments). Sorted by id.
 */
export function targetsFromInventory(inv: Inventory, resolver: AddressResolver, intervals: TargetIntervals = DEFAULT_INTERVALS): Target[] {
  const out: Target[] = [];
  for (const d of inv.devices) {
    const snmp = d.credentials.snmp !== undefined ? resolver.snmp(d) : undefined;
    if (snmp && d.credentials.snmp !== undefined) {
      out.push({ kind: "snmp", id: `snmp:${d.name}`, device: d.name, host: snmp.host, port: snmp.port, auth: d.credentials.snmp, modules: SNMP_MODULES_BY_ROLE[d.role], intervalSeconds: intervals.snmpSeconds });
    }
    const ssh = d.credentials.ssh !== undefined ? resolver.ssh(d) : undefined;
    if (ssh && d.credentials.ssh !== undefined) {
      out.push({ kind: "ssh", id: `ssh:${d.name}`, device: d.name, host: ssh.host, port: ssh.port, auth: d.credentials.ssh, driver: sshDriver(d), intervalSeconds: intervals.sshSeconds });
    }
    if (d.role === "k8s-node") {
      const url = resolver.nodeMetricsUrl(d);
      if (url !== undefined) {
        out.push({ kind: "scrape", id: `scrape:node:${d.name}`, entity: { kind: "device", name: d.name }, url, intervalSeconds: intervals.scrapeSeconds, timeoutSeconds: intervals.scrapeTimeoutSeconds });
      }
    }
  }
  for (const s of inv.services) {
    const base = resolver.serviceUrl(s);
    if (base === undefined) continue;
    out.push({ kind: "probe", id: `probe:${s.id}`, service: s.id, url: joinUrl(base, s.probe.path), module: s.probe.module, intervalSeconds: s.probe.intervalSeconds, timeoutSeconds: s.probe.timeoutSeconds });
    out.push({ kind: "scrape", id: `scrape:service:${s.id}`, entity: { kind: "service", name: s.id }, url: joinUrl(base, "/metrics"), intervalSeconds: intervals.scrapeSeconds, timeoutSeconds: intervals.scrapeTimeoutSeconds });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `base` + `path` with exactly one slash between them (service URLs end in `/`, probe paths start with one). */
function joinUrl(base: string, path: string): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, "")}${path}`;
  return u.toString();
}
