/**
 * LLDP-MIB (IEEE 802.1AB-2005): remote systems seen on each local port. The poller turns these
 * rows into observed-topology events (lldp-topology.ts).
 */
import { defineSnmpModule } from "../snmp-module.schema.ts";

const REM = "1.0.8802.1.1.2.1.4.1.1";
const LOC_PORT = "1.0.8802.1.1.2.1.3.7.1";
// lldpRemEntry INDEX { lldpRemTimeMark, lldpRemLocalPortNum, lldpRemIndex }
const remIndexes = [
  { labelname: "lldpRemTimeMark", type: "gauge" as const },
  { labelname: "lldpRemLocalPortNum", type: "gauge" as const },
  { labelname: "lldpRemIndex", type: "gauge" as const },
];
const remLookups = [
  { labels: ["lldpRemLocalPortNum"], labelname: "lldpLocPortId", oid: `${LOC_PORT}.3` },
  { labels: ["lldpRemTimeMark", "lldpRemLocalPortNum", "lldpRemIndex"], labelname: "lldpRemPortId", oid: `${REM}.7` },
  { labels: ["lldpRemTimeMark", "lldpRemLocalPortNum", "lldpRemIndex"], labelname: "lldpRemChassisId", oid: `${REM}.5`, type: "OctetString" as const },
];

/** LLDP neighbours. */
export const lldpModule = defineSnmpModule("lldp", {
  walk: [`${LOC_PORT}.3`, REM],
  metrics: [{ name: "lldpRemSysName", oid: `${REM}.9`, type: "DisplayString", indexes: remIndexes, lookups: remLookups }],
});
