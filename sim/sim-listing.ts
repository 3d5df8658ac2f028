import type { Device, Inventory } from "../inventory/inventory.schema.ts";
import { DEFAULT_ADDRESS_PREFIX, deviceAddress, serviceAddress } from "./sim-addressing.ts";
import { SIM_COMMUNITY_NAME, simSecrets, type SimCommunitySecret, type SimPasswordSecret, type SimSnmpV3Secret } from "./sim-credentials.ts";

/** How to reach one simulated device: exactly what `cityplane sim --list --json` prints. */
export interface SimDeviceInfo {
  name: string;
  role: Device["role"];
  site: string;
  snmp: {
    host: string;
    port: number;
    community: string;
    /** Absent when the inventory gives the device no SNMPv3 credential. */
    v3?: { user: string; authProtocol: "sha"; authKey: string; privProtocol: "aes"; privKey: string };
  };
  /** Absent when the inventory gives the device no SSH credential (firewalls, servers). */
  ssh?: { host: string; port: number; username: string; password: string };
}

export interface SimServiceInfo {
  name: string;
  url: string;
  metricsUrl: string;
  tls: boolean;
}

export interface SimNodeInfo {
  name: string;
  metricsUrl: string;
}

export interface SimCityListing {
  devices: SimDeviceInfo[];
  services: SimServiceInfo[];
  nodes: SimNodeInfo[];
}

/** Options shared by the listing and the running city. */
export interface SimAddressOptions {
  seed: number;
  /** "127.N": device 10.10.a.b listens on 127.N.a.b (default "127.10"). */
  addressPrefix?: string;
  snmpPort?: number;
  sshPort?: number;
  /** Port of plain-HTTP services (default 8080); TLS services listen on httpsPort (default 8443). */
  httpPort?: number;
  httpsPort?: number;
  /** node_exporter port on k8s nodes (default 9100). */
  nodeExporterPort?: number;
  /** Only these devices (tests start a handful). */
  devices?: (d: Device) => boolean;
}

/** The addresses and credentials of the simulated city, computed without starting anything. */
export function listSimCity(inventory: Inventory, opts: SimAddressOptions): SimCityListing {
  const prefix = opts.addressPrefix ?? DEFAULT_ADDRESS_PREFIX;
  const secrets = simSecrets(opts.seed, inventory);
  const community = (secrets[SIM_COMMUNITY_NAME] as SimCommunitySecret).community;
  const pick = opts.devices ?? (() => true);
  const devices = inventory.devices.filter(pick).map((d): SimDeviceInfo => {
    const host = deviceAddress(d.mgmt.ipv4, prefix);
    const v3 = d.credentials.snmp ? (secrets[d.credentials.snmp] as SimSnmpV3Secret | undefined) : undefined;
    const ssh = d.credentials.ssh ? (secrets[d.credentials.ssh] as SimPasswordSecret | undefined) : undefined;
    return {
      name: d.name,
      role: d.role,
      site: d.site,
      snmp: {
        host,
        port: opts.snmpPort ?? 1161,
        community,
        ...(v3?.kind === "snmp-v3" ? { v3: { user: v3.user, authProtocol: v3.authProtocol, authKey: v3.authKey, privProtocol: v3.privProtocol, privKey: v3.privKey } } : {}),
      },
      ...(ssh?.kind === "ssh-password" ? { ssh: { host, port: opts.sshPort ?? 2222, username: ssh.username, password: ssh.password } } : {}),
    };
  });
  const services = inventory.services.map((s, i): SimServiceInfo => {
    const host = serviceAddress(i, prefix);
    const base = s.tls ? `https://${host}:${opts.httpsPort ?? 8443}` : `http://${host}:${opts.httpPort ?? 8080}`;
    return { name: s.id, url: `${base}/`, metricsUrl: `${base}/metrics`, tls: s.tls };
  });
  const nodes = inventory.devices
    .filter((d) => d.role === "k8s-node" && pick(d))
    .map((d) => ({ name: d.name, metricsUrl: `http://${deviceAddress(d.mgmt.ipv4, prefix)}:${opts.nodeExporterPort ?? 9100}/metrics` }));
  return { devices, services, nodes };
}
