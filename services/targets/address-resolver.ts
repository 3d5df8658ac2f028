import type { Device, Service } from "../../inventory/inventory.schema.ts";

/** Where a device answers one protocol. */
export interface Endpoint {
  host: string;
  port: number;
}

/**
 * Where the inventory's devices and services really answer. `cityplane server` watches the
 * real city (management addresses, standard ports); `cityplane start` watches the simulated
 * city, whose listing maps each device to a loopback address and port. Undefined = not
 * reachable this way, so no target is made.
 */
export interface AddressResolver {
  snmp(device: Device): Endpoint | undefined;
  ssh(device: Device): Endpoint | undefined;
  /** Base URL of an eGov service (probes append the probe path, scrapes `/metrics`). */
  serviceUrl(service: Service): string | undefined;
  /** node_exporter-style `/metrics` URL of a k8s node. */
  nodeMetricsUrl(device: Device): string | undefined;
}

/** The real city: management IPv4 addresses, SNMP on 161 (RFC 3417), SSH on 22, node_exporter on 9100. */
export const managementResolver: AddressResolver = {
  snmp: (d) => ({ host: d.mgmt.ipv4, port: 161 }),
  ssh: (d) => ({ host: d.mgmt.ipv4, port: 22 }),
  serviceUrl: (s) => s.url,
  nodeMetricsUrl: (d) => `http://${d.mgmt.ipv4}:9100/metrics`,
};

/** A listing of where each simulated device and service answers (the simulated city's shape). */
export interface AddressListing {
  devices: { name: string; host: string; snmpPort?: number; sshPort?: number; metricsUrl?: string }[];
  services: { id: string; url: string }[];
}

/** A resolver over an explicit listing: anything not listed gets no target. */
export function listingResolver(listing: AddressListing): AddressResolver {
  const devices = new Map(listing.devices.map((d) => [d.name, d]));
  const services = new Map(listing.services.map((s) => [s.id, s.url]));
  return {
    snmp: (d) => {
      const e = devices.get(d.name);
      return e?.snmpPort !== undefined ? { host: e.host, port: e.snmpPort } : undefined;
    },
    ssh: (d) => {
      const e = devices.get(d.name);
      return e?.sshPort !== undefined ? { host: e.host, port: e.sshPort } : undefined;
    },
    serviceUrl: (s) => services.get(s.id),
    nodeMetricsUrl: (d) => devices.get(d.name)?.metricsUrl,
  };
}
