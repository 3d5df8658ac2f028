import type { Device } from "../../inventory/inventory.schema.ts";
import { registerLazyScalar } from "./lazy-provider.ts";
import { ObjectType as T } from "net-snmp";
import type { SimSnmpModule } from "./snmp-module.ts";

/** sysObjectID per model, from the vendors' product MIBs (CISCO-PRODUCTS-MIB, FORTINET-FORTIGATE-MIB). */
const OBJECT_IDS: Record<string, string> = {
  "ASR1001-X": "1.3.6.1.4.1.9.1.1861",
  ISR4331: "1.3.6.1.4.1.9.1.2068",
  ISR4321: "1.3.6.1.4.1.9.1.2067",
  "ISR4451-X": "1.3.6.1.4.1.9.1.1710",
  "N9K-C9336C-FX2": "1.3.6.1.4.1.9.12.3.1.3.2080",
  "N9K-C93180YC-FX": "1.3.6.1.4.1.9.12.3.1.3.1812",
  "AIR-CT5520-K9": "1.3.6.1.4.1.9.1.2170",
  "FortiGate-1800F": "1.3.6.1.4.1.12356.101.1.18000",
};
/** Net-SNMP on Linux (servers, k8s nodes) reports NET-SNMP-TC::linux. */
const LINUX_OBJECT_ID = "1.3.6.1.4.1.8072.3.2.10";

/** sysDescr as each platform words it. */
export function sysDescr(d: Device): string {
  if (d.role === "wlc") return "Cisco Controller";
  if (d.vendor === "Fortinet") return d.model;
  if (d.role === "spine" || d.role === "leaf")
    return `Cisco NX-OS(tm) ${d.model}, Software (nxos), Version 10.2(6), RELEASE SOFTWARE Copyright (c) 2002-2023 by Cisco Systems, Inc. Compiled 8/17/2023 12:00:00`;
  if (d.role === "server" || d.role === "k8s-node") return `Linux ${d.name} 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30) x86_64`;
  const family = d.model.startsWith("ASR") ? "ASR1000" : "ISR";
  return `Cisco IOS Software [Cupertino], ${family} Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.9.4a, RELEASE SOFTWARE (fc3)\r\nTechnical Support: http://www.cisco.com/techsupport\r\nCopyright (c) 1986-2023 by Cisco Systems, Inc.\r\nCompiled Fri 20-Oct-23 10:44 by mcpre`;
}

/** sysObjectID of a device's model. */
export function sysObjectId(d: Device): string {
  return OBJECT_IDS[d.model] ?? (d.vendor === "Dell" ? LINUX_OBJECT_ID : "1.3.6.1.4.1.9.1.1");
}

/** SNMPv2-MIB system group (RFC 3418): descr, objectID, upTime (advancing), contact, name, location, services. */
export const systemGroupModule: SimSnmpModule = {
  name: "system",
  appliesTo: () => true,
  register(mib, { device, inventory }) {
    const d = device.device;
    const site = inventory.sites.find((s) => s.id === d.site);
    const base = "1.3.6.1.2.1.1";
    registerLazyScalar(mib, "sysDescr", `${base}.1`, T.OctetString, () => sysDescr(d));
    registerLazyScalar(mib, "sysObjectID", `${base}.2`, T.OID, () => sysObjectId(d));
    registerLazyScalar(mib, "sysUpTime", `${base}.3`, T.TimeTicks, () => device.uptimeTicks());
    registerLazyScalar(mib, "sysContact", `${base}.4`, T.OctetString, () => "Trung tâm Thông tin và Dịch vụ số Đà Nẵng <noc@danang.gov.vn>");
    registerLazyScalar(mib, "sysName", `${base}.5`, T.OctetString, () => device.running.hostname);
    registerLazyScalar(mib, "sysLocation", `${base}.6`, T.OctetString, () => (site ? `${site.address} (${site.id})` : d.site));
    // 2 = datalink, 4 = internet, 8 = end-to-end (RFC 3418 sysServices bit layout).
    registerLazyScalar(mib, "sysServices", `${base}.7`, T.Integer, () => (d.role === "server" || d.role === "k8s-node" ? 72 : 6));
    // SNMP-FRAMEWORK-MIB snmpEngine group (RFC 3411), which every v3 agent serves. It also sits last
    // in the tree, so a walk of ifXTable ends on a following OID rather than on endOfMibView.
    const engine = "1.3.6.1.6.3.10.2.1";
    registerLazyScalar(mib, "snmpEngineBoots", `${engine}.2`, T.Integer, () => 1);
    registerLazyScalar(mib, "snmpEngineTime", `${engine}.3`, T.Integer, () => Math.floor(device.uptimeTicks() / 100));
    registerLazyScalar(mib, "snmpEngineMaxMessageSize", `${engine}.4`, T.Integer, () => 1500);
  },
};
