import type { Inventory } from "../inventory/inventory.schema.ts";
import type { SimDevice } from "./model/sim-device.ts";
import type { SimNetwork } from "./model/sim-network.ts";
import type { SimSnmpV3Secret } from "./sim-credentials.ts";
import type { SimDeviceInfo } from "./sim-listing.ts";
import { startDeviceAgent } from "./snmp/snmp-agent.ts";
import { SNMP_MODULES } from "./snmp/snmp-modules.registry.ts";
import { simHostKey } from "./ssh/host-key.ts";
import { IosCli } from "./ssh/ios-cli.ts";
import { startDeviceSsh } from "./ssh/ssh-server.ts";
import { WlcCli } from "./ssh/wlc-cli.ts";

/** What it takes to bring one device's management plane up. */
export interface DeviceRuntimeOptions {
  device: SimDevice;
  network: SimNetwork;
  inventory: Inventory;
  seed: number;
  info: SimDeviceInfo;
  community: string;
  users: SimSnmpV3Secret[];
  authorizedKeys: string[];
}

/** A device's listening SNMP agent and SSH server. */
export interface DeviceRuntime {
  close(): Promise<void>;
}

/** Starts a device's SNMP agent and (if it has SSH access) its SSH server with the CLI of its kind. */
export async function startDeviceRuntime(o: DeviceRuntimeOptions): Promise<DeviceRuntime> {
  const { device, network, info } = o;
  const d = device.device;
  const agent = await startDeviceAgent(
    { device, network, inventory: o.inventory, seed: o.seed },
    { host: info.snmp.host, port: info.snmp.port, community: o.community, users: o.users, modules: SNMP_MODULES, onAuthFailure: (source) => device.report({ type: "auth-failure", protocol: "snmp", source }) },
  );
  if (!info.ssh) return { close: agent.close };
  const { host, port, username, password } = info.ssh;
  try {
    const ssh = await startDeviceSsh(device, {
      host,
      port,
      username,
      password,
      hostKey: simHostKey(o.seed, d.name),
      authorizedKeys: o.authorizedKeys,
      banner: d.role === "wlc" ? "\r\n(Cisco Controller)\r\n" : `\r\n${d.name} — Da Nang metro network. Authorised access only; every session is logged.\r\n`,
      cli: (user, source) => (d.role === "wlc" ? new WlcCli(device, network, user, source) : new IosCli(device, network, user, source)),
    });
    return { close: async () => void (await Promise.all([agent.close(), ssh.close()])) };
  } catch (err) {
    await agent.close();
    throw err;
  }
}
