/**
 * SNMPv2-MIB system group (RFC 3418 §2): identity and uptime. sysObjectID and sysDescr also
 * drive device identification (device-identity.ts).
 */
import { defineSnmpModule } from "../snmp-module.schema.ts";

/** The system group. */
export const systemModule = defineSnmpModule("system", {
  get: ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0"],
  metrics: [
    { name: "sysDescr", oid: "1.3.6.1.2.1.1.1", type: "DisplayString" },
    { name: "sysObjectID", oid: "1.3.6.1.2.1.1.2", type: "DisplayString" },
    { name: "sysUpTime", oid: "1.3.6.1.2.1.1.3", type: "gauge" },
    { name: "sysContact", oid: "1.3.6.1.2.1.1.4", type: "DisplayString" },
    { name: "sysName", oid: "1.3.6.1.2.1.1.5", type: "DisplayString" },
    { name: "sysLocation", oid: "1.3.6.1.2.1.1.6", type: "DisplayString" },
  ],
});
