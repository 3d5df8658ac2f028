/**
 * IF-MIB (RFC 2863): ifTable and ifXTable, named and labelled exactly as snmp_exporter's
 * default `if_mib` module (ifIndex plus ifAlias/ifDescr/ifName lookups), so its dashboards work.
 * The 32-bit octet/packet counters are shadowed by their 64-bit twins when the device has them
 * (RFC 2863 §3.1.6: HC counters are mandatory above 20 Mbit/s, 32-bit ones wrap in 34 s at 1 Gbit/s).
 */
import { defineSnmpModule, type SnmpModuleInput } from "../snmp-module.schema.ts";

const IF_ENTRY = "1.3.6.1.2.1.2.2.1";
const IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1";
const ifIndex = [{ labelname: "ifIndex", type: "gauge" as const }];
const lookups = [
  { labels: ["ifIndex"], labelname: "ifAlias", oid: `${IFX_ENTRY}.18` },
  { labels: ["ifIndex"], labelname: "ifDescr", oid: `${IF_ENTRY}.2` },
  { labels: ["ifIndex"], labelname: "ifName", oid: `${IFX_ENTRY}.1` },
];

type Col = [column: number, name: string, type: "counter" | "gauge" | "PhysAddress48" | "EnumAsInfo", shadowedBy?: string];

const ifTable: Col[] = [
  [1, "ifIndex", "gauge"],
  [3, "ifType", "EnumAsInfo"],
  [4, "ifMtu", "gauge"],
  [5, "ifSpeed", "gauge"],
  [6, "ifPhysAddress", "PhysAddress48"],
  [7, "ifAdminStatus", "gauge"],
  [8, "ifOperStatus", "gauge"],
  [9, "ifLastChange", "gauge"],
  [10, "ifInOctets", "counter", "ifHCInOctets"],
  [11, "ifInUcastPkts", "counter", "ifHCInUcastPkts"],
  [12, "ifInNUcastPkts", "counter"],
  [13, "ifInDiscards", "counter"],
  [14, "ifInErrors", "counter"],
  [15, "ifInUnknownProtos", "counter"],
  [16, "ifOutOctets", "counter", "ifHCOutOctets"],
  [17, "ifOutUcastPkts", "counter", "ifHCOutUcastPkts"],
  [18, "ifOutNUcastPkts", "counter"],
  [19, "ifOutDiscards", "counter"],
  [20, "ifOutErrors", "counter"],
  [21, "ifOutQLen", "gauge"],
];

const ifXTable: Col[] = [
  [2, "ifInMulticastPkts", "counter", "ifHCInMulticastPkts"],
  [3, "ifInBroadcastPkts", "counter", "ifHCInBroadcastPkts"],
  [4, "ifOutMulticastPkts", "counter", "ifHCOutMulticastPkts"],
  [5, "ifOutBroadcastPkts", "counter", "ifHCOutBroadcastPkts"],
  [6, "ifHCInOctets", "counter"],
  [7, "ifHCInUcastPkts", "counter"],
  [8, "ifHCInMulticastPkts", "counter"],
  [9, "ifHCInBroadcastPkts", "counter"],
  [10, "ifHCOutOctets", "counter"],
  [11, "ifHCOutUcastPkts", "counter"],
  [12, "ifHCOutMulticastPkts", "counter"],
  [13, "ifHCOutBroadcastPkts", "counter"],
  [14, "ifLinkUpDownTrapEnable", "gauge"],
  [15, "ifHighSpeed", "gauge"],
  [16, "ifPromiscuousMode", "gauge"],
  [17, "ifConnectorPresent", "gauge"],
  [19, "ifCounterDiscontinuityTime", "gauge"],
];

// IANAifType values seen on routers, switches and servers (IANAifType-MIB).
const IF_TYPES: Record<string, string> = { "1": "other", "6": "ethernetCsmacd", "24": "softwareLoopback", "53": "propVirtual", "131": "tunnel", "135": "l2vlan", "136": "l3ipvlan", "161": "ieee8023adLag", "71": "ieee80211" };

const columns = (entry: string, cols: Col[]): SnmpModuleInput["metrics"] =>
  cols.map(([col, name, type, shadowedBy]) => ({ name, oid: `${entry}.${col}`, type, indexes: ifIndex, lookups, ...(shadowedBy ? { shadowedBy } : {}), ...(type === "EnumAsInfo" ? { enumValues: IF_TYPES } : {}) }));

/** snmp_exporter-compatible IF-MIB module. */
export const ifMibModule = defineSnmpModule("if_mib", {
  walk: ["1.3.6.1.2.1.2", "1.3.6.1.2.1.31.1.1"],
  get: ["1.3.6.1.2.1.1.3.0"],
  metrics: [
    { name: "sysUpTime", oid: "1.3.6.1.2.1.1.3", type: "gauge", help: "The time (in hundredths of a second) since the network management portion of the system was last re-initialized." },
    { name: "ifNumber", oid: "1.3.6.1.2.1.2.1", type: "gauge", help: "The number of network interfaces (regardless of their current state) present on this system." },
    ...columns(IF_ENTRY, ifTable),
    ...columns(IFX_ENTRY, ifXTable),
  ],
});
