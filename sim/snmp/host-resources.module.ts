import { between } from "../model/seeded-random.ts";
import { registerLazyScalar, registerLazyTable } from "./lazy-provider.ts";
import { ObjectType as T } from "net-snmp";
import type { SimSnmpModule } from "./snmp-module.ts";

/**
 * HOST-RESOURCES-MIB (RFC 2790) on servers and k8s nodes, as Net-SNMP's snmpd serves it on Linux:
 * uptime, users, processes, memory, the storage table (RAM and filesystems in allocation units)
 * and per-CPU load. The data filesystem fills while a scenario says so.
 */
const STORAGE = "1.3.6.1.2.1.25.2.3.1";
const HR_STORAGE_RAM = "1.3.6.1.2.1.25.2.1.2";
const HR_STORAGE_FIXED_DISK = "1.3.6.1.2.1.25.2.1.4";
const UNIT = 4096;
const GiB = 1024 ** 3;

interface StorageRow {
  index: number;
  type: string;
  descr: string;
  sizeBytes: number;
  used: () => number;
}

export const hostResourcesModule: SimSnmpModule = {
  name: "host_resources",
  appliesTo: ({ device }) => device.device.role === "server" || device.device.role === "k8s-node",
  register(mib, { device, seed }) {
    const name = device.device.name;
    const cpus = 32;
    const memBytes = 256 * GiB;
    const dataSize = 1800 * GiB;
    const dataBase = between(seed, `${name}/hr-data`, 0.3, 0.5) * dataSize;
    const busy = (cpu: number): number => {
      const t = device.clock.nowMs() / 1000;
      const day = 0.5 + 0.5 * Math.sin((2 * Math.PI * t) / 86_400 + between(seed, `${name}/cpu-phase`, 0, 6.28));
      return Math.round(100 * Math.min(0.98, between(seed, `${name}/cpu${cpu}`, 0.1, 0.35) + 0.4 * day));
    };
    registerLazyScalar(mib, "hrSystemUptime", "1.3.6.1.2.1.25.1.1", T.TimeTicks, () => device.uptimeTicks());
    registerLazyScalar(mib, "hrSystemNumUsers", "1.3.6.1.2.1.25.1.5", T.Gauge32, () => 2);
    registerLazyScalar(mib, "hrSystemProcesses", "1.3.6.1.2.1.25.1.6", T.Gauge32, () => 410 + Math.round(between(seed, `${name}/procs`, 0, 80)));
    registerLazyScalar(mib, "hrMemorySize", "1.3.6.1.2.1.25.2.2", T.Integer, () => memBytes / 1024);
    const storage: StorageRow[] = [
      { index: 1, type: HR_STORAGE_RAM, descr: "Physical memory", sizeBytes: memBytes, used: () => memBytes * (0.45 + busy(0) / 400) },
      { index: 31, type: HR_STORAGE_FIXED_DISK, descr: "/", sizeBytes: 100 * GiB, used: () => 31 * GiB },
      { index: 36, type: HR_STORAGE_FIXED_DISK, descr: "/var/lib/data", sizeBytes: dataSize, used: () => Math.min(dataSize, dataBase + device.diskFilledBytes()) },
    ];
    registerLazyTable(mib, {
      name: "hrStorageTable",
      entryOid: STORAGE,
      index: [{ columnName: "hrStorageIndex" }],
      columns: [
        { number: 1, name: "hrStorageIndex", type: T.Integer, value: (r) => r.index },
        { number: 2, name: "hrStorageType", type: T.OID, value: (r) => r.type },
        { number: 3, name: "hrStorageDescr", type: T.OctetString, value: (r) => r.descr },
        { number: 4, name: "hrStorageAllocationUnits", type: T.Integer, value: () => UNIT },
        { number: 5, name: "hrStorageSize", type: T.Integer, value: (r) => Math.floor(r.sizeBytes / UNIT) },
        { number: 6, name: "hrStorageUsed", type: T.Integer, value: (r) => Math.floor(r.used() / UNIT) },
        { number: 7, name: "hrStorageAllocationFailures", type: T.Counter32, value: () => 0 },
      ],
      rows: storage,
      suffix: (r) => String(r.index),
    });
    // hrProcessorTable is indexed by hrDeviceIndex (of hrDeviceTable); Linux numbers CPUs from 196608.
    const cpusRows = Array.from({ length: cpus }, (_, k) => 196_608 + k);
    registerLazyTable(mib, {
      name: "hrProcessorTable",
      entryOid: "1.3.6.1.2.1.25.3.3.1",
      index: [{ columnName: "hrDeviceIndex" }],
      columns: [
        { number: 1, name: "hrProcessorFrwID", type: T.OID, value: () => "0.0" },
        { number: 2, name: "hrProcessorLoad", type: T.Integer, value: (idx) => busy(idx - 196_608) },
        { number: 99, name: "hrDeviceIndex", type: T.Integer, value: (idx) => idx, indexOnly: true },
      ],
      rows: cpusRows,
      suffix: (idx) => String(idx),
    });
  },
};
