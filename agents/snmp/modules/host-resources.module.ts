/** HOST-RESOURCES-MIB (RFC 2790): system, storage and processor load of servers and k8s nodes. */
import { defineSnmpModule } from "../snmp-module.schema.ts";

const STORAGE = "1.3.6.1.2.1.25.2.3.1";
const storage = { indexes: [{ labelname: "hrStorageIndex", type: "gauge" as const }], lookups: [{ labels: ["hrStorageIndex"], labelname: "hrStorageDescr", oid: `${STORAGE}.3` }] };

/** Host resources: users, processes, memory, storage, CPU load. */
export const hostResourcesModule = defineSnmpModule("host_resources", {
  walk: ["1.3.6.1.2.1.25.1", "1.3.6.1.2.1.25.2", "1.3.6.1.2.1.25.3.3"],
  metrics: [
    { name: "hrSystemUptime", oid: "1.3.6.1.2.1.25.1.1", type: "gauge" },
    { name: "hrSystemNumUsers", oid: "1.3.6.1.2.1.25.1.5", type: "gauge" },
    { name: "hrSystemProcesses", oid: "1.3.6.1.2.1.25.1.6", type: "gauge" },
    { name: "hrMemorySize", oid: "1.3.6.1.2.1.25.2.2", type: "gauge", help: "Physical memory in KiB" },
    { name: "hrStorageAllocationUnits", oid: `${STORAGE}.4`, type: "gauge", ...storage },
    { name: "hrStorageSize", oid: `${STORAGE}.5`, type: "gauge", ...storage },
    { name: "hrStorageUsed", oid: `${STORAGE}.6`, type: "gauge", ...storage },
    { name: "hrProcessorLoad", oid: "1.3.6.1.2.1.25.3.3.1.2", type: "gauge", indexes: [{ labelname: "hrDeviceIndex", type: "gauge" }] },
  ],
});
