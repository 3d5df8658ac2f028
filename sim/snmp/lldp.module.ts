import { createHash } from "node:crypto";
import type { SimDevice, SimDeviceEvent } from "../model/sim-device.ts";
import { registerLazyTable } from "./lazy-provider.ts";
import { ObjectType as T } from "net-snmp";
import type { SimSnmpModule } from "./snmp-module.ts";
import { sysDescr } from "./system-group.module.ts";

/**
 * LLDP-MIB (IEEE 802.1AB-2005): the local port table and the remote systems seen on each port.
 * A neighbour is seen only while the link is up, and what it says comes from the network
 * model — which a scenario can make disagree with the inventory (a patched-over cable), so
 * that drift detection has something to find.
 */
const LOC_PORT = "1.0.8802.1.1.2.1.3.7.1";
const REM = "1.0.8802.1.1.2.1.4.1.1";

/** The chassis MAC a device announces (lldpLocChassisId, subtype macAddress). */
export function chassisMac(name: string): Buffer {
  const h = createHash("sha256").update(`chassis/${name}`).digest();
  return Buffer.from([0x00, 0x1e, 0xbd, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0]);
}

interface RemRow {
  ifIndex: number;
  device: SimDevice;
  peer: SimDevice;
  peerInterface: string;
}

const ROLES = new Set(["core-router", "dist-router", "access-router", "spine", "leaf", "switch", "firewall", "wlc"]);

/** LLDP on network devices. */
export const lldpModule: SimSnmpModule = {
  name: "lldp",
  appliesTo: ({ device }) => ROLES.has(device.device.role),
  register(mib, { device, network }) {
    registerLazyTable(mib, {
      name: "lldpLocPortTable",
      entryOid: LOC_PORT,
      index: [{ columnName: "lldpLocPortNum" }],
      columns: [
        { number: 1, name: "lldpLocPortNum", type: T.Integer, value: (i) => i.spec.ifIndex, indexOnly: true },
        // 5 = interfaceName (LldpPortIdSubtype)
        { number: 2, name: "lldpLocPortIdSubtype", type: T.Integer, value: () => 5 },
        { number: 3, name: "lldpLocPortId", type: T.OctetString, value: (i) => i.spec.name },
        { number: 4, name: "lldpLocPortDesc", type: T.OctetString, value: (i) => device.running.interfaces.get(i.spec.name)?.description ?? "" },
      ],
      rows: device.interfaces.filter((i) => i.spec.ifType !== 24),
      suffix: (i) => String(i.spec.ifIndex),
    });
    const rows = (): RemRow[] =>
      device.interfaces.flatMap((i) => {
        const seen = network.lldpNeighbour(device.device.name, i.spec.name);
        const peer = seen ? network.devices.get(seen.device) : undefined;
        return i.operUp && seen && peer ? [{ ifIndex: i.spec.ifIndex, device, peer, peerInterface: seen.interface }] : [];
      });
    const rem = registerLazyTable<RemRow>(mib, {
      name: "lldpRemTable",
      entryOid: REM,
      index: [{ columnName: "lldpRemTimeMark" }, { columnName: "lldpRemLocalPortNum" }, { columnName: "lldpRemIndex" }],
      columns: [
        { number: 1, name: "lldpRemTimeMark", type: T.TimeTicks, value: () => 0, indexOnly: true },
        { number: 2, name: "lldpRemLocalPortNum", type: T.Integer, value: (r) => r.ifIndex, indexOnly: true },
        { number: 3, name: "lldpRemIndex", type: T.Integer, value: () => 1, indexOnly: true },
        // 4 = macAddress (LldpChassisIdSubtype)
        { number: 4, name: "lldpRemChassisIdSubtype", type: T.Integer, value: () => 4 },
        { number: 5, name: "lldpRemChassisId", type: T.OctetString, value: (r) => chassisMac(r.peer.device.name) },
        { number: 6, name: "lldpRemPortIdSubtype", type: T.Integer, value: () => 5 },
        { number: 7, name: "lldpRemPortId", type: T.OctetString, value: (r) => r.peerInterface },
        { number: 8, name: "lldpRemPortDesc", type: T.OctetString, value: (r) => r.peer.running.interfaces.get(r.peerInterface)?.description ?? "" },
        { number: 9, name: "lldpRemSysName", type: T.OctetString, value: (r) => r.peer.running.hostname },
        { number: 10, name: "lldpRemSysDesc", type: T.OctetString, value: (r) => sysDescr(r.peer.device) },
        // LldpSystemCapabilitiesMap BITS: bridge(2) and router(4) → 0x28
        { number: 11, name: "lldpRemSysCapSupported", type: T.OctetString, value: () => Buffer.from([0x28]) },
        { number: 12, name: "lldpRemSysCapEnabled", type: T.OctetString, value: () => Buffer.from([0x08]) },
      ],
      rows: rows(),
      suffix: (r) => `0.${r.ifIndex}.1`,
    });
    // Neighbours age out when a link goes down and reappear when it comes back.
    const onEvent = (e: SimDeviceEvent): void => {
      if (e.type === "link") rem.setRows(rows());
    };
    const onLldp = (name: string): void => {
      if (name === device.device.name) rem.setRows(rows());
    };
    device.on("event", onEvent);
    network.on("lldp-changed", onLldp);
    return () => {
      device.off("event", onEvent);
      network.off("lldp-changed", onLldp);
    };
  },
};
