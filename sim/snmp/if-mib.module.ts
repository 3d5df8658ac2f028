import { createHash } from "node:crypto";
import type { InterfaceState, SimDevice } from "../model/sim-device.ts";
import { counter32, counter64Buffer } from "../traffic-model.ts";
import { registerLazyScalar, registerLazyTable, type LazyColumn } from "./lazy-provider.ts";
import { ObjectType as T } from "net-snmp";
import type { SimSnmpModule } from "./snmp-module.ts";

/**
 * IF-MIB (RFC 2863): ifTable and ifXTable. 64-bit HC counters follow the traffic model; the
 * 32-bit ones are the same counters modulo 2^32, so they wrap when real ones would (a 10 Gb/s
 * port wraps ifInOctets in under four seconds at line rate — why pollers must use HC counters).
 */

/** Average frame sizes: what turns octets into packets. */
const IN_FRAME = 720n;
const OUT_FRAME = 480n;

function mac(device: string, ifName: string): Buffer {
  const h = createHash("sha256").update(`${device}/${ifName}`).digest();
  // Cisco OUI 00:1e:bd, device-specific low bytes.
  return Buffer.from([0x00, 0x1e, 0xbd, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0]);
}

interface Row {
  device: SimDevice;
  i: InterfaceState;
}

/** The per-interface counters at one instant. */
function counters(r: Row): { inOct: bigint; outOct: bigint; inPkts: bigint; outPkts: bigint; inMc: bigint; outMc: bigint; inBc: bigint; outBc: bigint } {
  const inOct = r.device.octets(r.i, "in");
  const outOct = r.device.octets(r.i, "out");
  return { inOct, outOct, inPkts: inOct / IN_FRAME, outPkts: outOct / OUT_FRAME, inMc: inOct / 90_000n, outMc: outOct / 120_000n, inBc: inOct / 400_000n, outBc: outOct / 900_000n };
}

const hundredths = (r: Row, ms: number): number => Math.max(0, Math.floor((ms - r.device.bootMs) / 10)) % 2 ** 32;
const up = (b: boolean): number => (b ? 1 : 2);

const IF_COLUMNS: LazyColumn<Row>[] = [
  { number: 1, name: "ifIndex", type: T.Integer, value: (r) => r.i.spec.ifIndex },
  { number: 2, name: "ifDescr", type: T.OctetString, value: (r) => r.i.spec.name },
  { number: 3, name: "ifType", type: T.Integer, value: (r) => r.i.spec.ifType },
  { number: 4, name: "ifMtu", type: T.Integer, value: (r) => (r.i.spec.ifType === 24 ? 1514 : 1500) },
  // ifSpeed saturates at 4,294,967,295 (RFC 2863: use ifHighSpeed above that).
  { number: 5, name: "ifSpeed", type: T.Gauge32, value: (r) => Math.min(4_294_967_295, r.i.spec.speedMbps * 1_000_000) },
  { number: 6, name: "ifPhysAddress", type: T.OctetString, value: (r) => (r.i.spec.ifType === 24 ? Buffer.alloc(0) : mac(r.device.device.name, r.i.spec.name)) },
  { number: 7, name: "ifAdminStatus", type: T.Integer, value: (r) => up(r.device.adminUp(r.i)) },
  { number: 8, name: "ifOperStatus", type: T.Integer, value: (r) => up(r.i.operUp) },
  { number: 9, name: "ifLastChange", type: T.TimeTicks, value: (r) => hundredths(r, r.i.lastChangeMs) },
  { number: 10, name: "ifInOctets", type: T.Counter32, value: (r) => counter32(counters(r).inOct) },
  { number: 11, name: "ifInUcastPkts", type: T.Counter32, value: (r) => counter32(counters(r).inPkts) },
  { number: 12, name: "ifInNUcastPkts", type: T.Counter32, value: (r) => counter32(counters(r).inMc + counters(r).inBc) },
  { number: 13, name: "ifInDiscards", type: T.Counter32, value: (r) => counter32(counters(r).inOct / 3_000_000_000n) },
  { number: 14, name: "ifInErrors", type: T.Counter32, value: (r) => counter32(counters(r).inOct / 20_000_000_000n) },
  { number: 15, name: "ifInUnknownProtos", type: T.Counter32, value: () => 0 },
  { number: 16, name: "ifOutOctets", type: T.Counter32, value: (r) => counter32(counters(r).outOct) },
  { number: 17, name: "ifOutUcastPkts", type: T.Counter32, value: (r) => counter32(counters(r).outPkts) },
  { number: 18, name: "ifOutNUcastPkts", type: T.Counter32, value: (r) => counter32(counters(r).outMc + counters(r).outBc) },
  { number: 19, name: "ifOutDiscards", type: T.Counter32, value: (r) => counter32(counters(r).outOct / 5_000_000_000n) },
  { number: 20, name: "ifOutErrors", type: T.Counter32, value: () => 0 },
  { number: 21, name: "ifOutQLen", type: T.Gauge32, value: () => 0 },
  { number: 22, name: "ifSpecific", type: T.OID, value: () => "0.0" },
];

const c64 = (f: (c: ReturnType<typeof counters>) => bigint) => (r: Row) => counter64Buffer(f(counters(r)));

const IFX_COLUMNS: LazyColumn<Row>[] = [
  { number: 1, name: "ifName", type: T.OctetString, value: (r) => shortName(r.i.spec.name) },
  { number: 2, name: "ifInMulticastPkts", type: T.Counter32, value: (r) => counter32(counters(r).inMc) },
  { number: 3, name: "ifInBroadcastPkts", type: T.Counter32, value: (r) => counter32(counters(r).inBc) },
  { number: 4, name: "ifOutMulticastPkts", type: T.Counter32, value: (r) => counter32(counters(r).outMc) },
  { number: 5, name: "ifOutBroadcastPkts", type: T.Counter32, value: (r) => counter32(counters(r).outBc) },
  { number: 6, name: "ifHCInOctets", type: T.Counter64, value: c64((c) => c.inOct) },
  { number: 7, name: "ifHCInUcastPkts", type: T.Counter64, value: c64((c) => c.inPkts) },
  { number: 8, name: "ifHCInMulticastPkts", type: T.Counter64, value: c64((c) => c.inMc) },
  { number: 9, name: "ifHCInBroadcastPkts", type: T.Counter64, value: c64((c) => c.inBc) },
  { number: 10, name: "ifHCOutOctets", type: T.Counter64, value: c64((c) => c.outOct) },
  { number: 11, name: "ifHCOutUcastPkts", type: T.Counter64, value: c64((c) => c.outPkts) },
  { number: 12, name: "ifHCOutMulticastPkts", type: T.Counter64, value: c64((c) => c.outMc) },
  { number: 13, name: "ifHCOutBroadcastPkts", type: T.Counter64, value: c64((c) => c.outBc) },
  { number: 14, name: "ifLinkUpDownTrapEnable", type: T.Integer, value: () => 1 },
  { number: 15, name: "ifHighSpeed", type: T.Gauge32, value: (r) => r.i.spec.speedMbps },
  { number: 16, name: "ifPromiscuousMode", type: T.Integer, value: () => 2 },
  { number: 17, name: "ifConnectorPresent", type: T.Integer, value: (r) => (r.i.spec.ifType === 6 ? 1 : 2) },
  { number: 18, name: "ifAlias", type: T.OctetString, value: (r) => r.device.running.interfaces.get(r.i.spec.name)?.description ?? "" },
  { number: 19, name: "ifCounterDiscontinuityTime", type: T.TimeTicks, value: () => 0 },
];

/** IOS's short interface names in ifName (GigabitEthernet0/0/1 → Gi0/0/1). */
export function shortName(name: string): string {
  const m = /^(TenGigabitEthernet|GigabitEthernet|FortyGigabitEthernet|HundredGigE|Loopback|Ethernet)(.*)$/.exec(name);
  if (!m) return name;
  const abbrev: Record<string, string> = { TenGigabitEthernet: "Te", GigabitEthernet: "Gi", FortyGigabitEthernet: "Fo", HundredGigE: "Hu", Loopback: "Lo", Ethernet: "Eth" };
  return `${abbrev[m[1] ?? ""] ?? m[1]}${m[2]}`;
}

/** ifNumber, ifTable and ifXTable for every device. */
export const ifMibModule: SimSnmpModule = {
  name: "if_mib",
  appliesTo: () => true,
  register(mib, { device }) {
    const rows = device.interfaces.map((i) => ({ device, i }));
    registerLazyScalar(mib, "ifNumber", "1.3.6.1.2.1.2.1", T.Integer, () => device.interfaces.length);
    registerLazyTable(mib, { name: "ifTable", entryOid: "1.3.6.1.2.1.2.2.1", columns: IF_COLUMNS, index: [{ columnName: "ifIndex" }], rows, suffix: (r) => String(r.i.spec.ifIndex) });
    registerLazyTable(mib, { name: "ifXTable", entryOid: "1.3.6.1.2.1.31.1.1.1", columns: IFX_COLUMNS, augments: "ifTable", rows, suffix: (r) => String(r.i.spec.ifIndex) });
  },
};
