import { describe, expect, it } from "vitest";
import { ObjectType as SnmpType, type Varbind as NetSnmpVarbind } from "net-snmp";
import { counter64ToNumber, SnmpDecoder } from "./snmp-decode.ts";
import { defineSnmpModule, type SnmpModuleInput } from "./snmp-module.schema.ts";
import { ifMibModule } from "./modules/if-mib.module.ts";

const vb = (oid: string, type: number, value: unknown): NetSnmpVarbind => ({ oid, type, value }) as NetSnmpVarbind;

describe("Counter64 buffers", () => {
  it.each([
    ["one octet", [0x2a], 42],
    ["leading zero octet (BER sign padding)", [0x00, 0xff, 0xff, 0xff, 0xff], 2 ** 32 - 1],
    ["2^32 exactly", [0x01, 0x00, 0x00, 0x00, 0x00], 2 ** 32],
    ["2^53", [0x20, 0, 0, 0, 0, 0, 0], 2 ** 53],
    ["2^64 - 1 (nine octets, sign padding)", [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2 ** 64],
    ["empty", [], 0],
  ])("%s", (_n, bytes, expected) => {
    expect(counter64ToNumber(Buffer.from(bytes))).toBe(expected);
  });
});

const TABLE = "1.3.6.1.4.1.99999.1.1";
const mod = (metrics: SnmpModuleInput["metrics"]) => new SnmpDecoder([defineSnmpModule("t", { walk: [TABLE], metrics })]);

describe("varbind decoding", () => {
  it.each<[string, SnmpModuleInput["metrics"][number], NetSnmpVarbind, { name: string; labels: Record<string, string>; value: number } | "bad"]>([
    ["Counter64 buffer as a counter", { name: "c", oid: `${TABLE}.1`, type: "counter", indexes: [{ labelname: "i", type: "gauge" }] }, vb(`${TABLE}.1.7`, SnmpType.Counter64, Buffer.from([0x01, 0, 0, 0, 5])), { name: "c", labels: { i: "7" }, value: 2 ** 32 + 5 }],
    ["32-bit Counter", { name: "c", oid: `${TABLE}.1`, type: "counter", indexes: [{ labelname: "i", type: "gauge" }] }, vb(`${TABLE}.1.3`, SnmpType.Counter, 4294967295), { name: "c", labels: { i: "3" }, value: 4294967295 }],
    ["OCTET STRING as hex", { name: "o", oid: `${TABLE}.2`, type: "OctetString" }, vb(`${TABLE}.2.0`, SnmpType.OctetString, Buffer.from([0x00, 0x1a, 0xff])), { name: "o", labels: { o: "0x001aff" }, value: 1 }],
    ["DisplayString in UTF-8 (Vietnamese)", { name: "d", oid: `${TABLE}.3`, type: "DisplayString" }, vb(`${TABLE}.3.0`, SnmpType.OctetString, Buffer.from("Phường Hải Châu I")), { name: "d", labels: { d: "Phường Hải Châu I" }, value: 1 }],
    ["DisplayString that is not UTF-8 falls back to hex", { name: "d", oid: `${TABLE}.3`, type: "DisplayString" }, vb(`${TABLE}.3.0`, SnmpType.OctetString, Buffer.from([0xc3, 0x28])), { name: "d", labels: { d: "0xc328" }, value: 1 }],
    ["PhysAddress48", { name: "m", oid: `${TABLE}.4`, type: "PhysAddress48" }, vb(`${TABLE}.4.0`, SnmpType.OctetString, Buffer.from([0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e])), { name: "m", labels: { m: "00:1a:2b:3c:4d:5e" }, value: 1 }],
    ["IpAddress as net-snmp hands it (dotted text)", { name: "ip", oid: `${TABLE}.5`, type: "IpAddr" }, vb(`${TABLE}.5.0`, SnmpType.IpAddress, "10.10.0.1"), { name: "ip", labels: { ip: "10.10.0.1" }, value: 1 }],
    ["IpAddress as four raw octets", { name: "ip", oid: `${TABLE}.5`, type: "IpAddr" }, vb(`${TABLE}.5.0`, SnmpType.IpAddress, Buffer.from([10, 10, 3, 17])), { name: "ip", labels: { ip: "10.10.3.17" }, value: 1 }],
    ["IpAddress of the wrong length is bad", { name: "ip", oid: `${TABLE}.5`, type: "IpAddr" }, vb(`${TABLE}.5.0`, SnmpType.IpAddress, Buffer.from([10, 10, 3])), "bad"],
    ["string where a gauge is expected is bad", { name: "g", oid: `${TABLE}.6`, type: "gauge" }, vb(`${TABLE}.6.0`, SnmpType.OctetString, Buffer.from("x")), "bad"],
    ["Counter64 longer than nine octets is bad", { name: "c", oid: `${TABLE}.1`, type: "counter" }, vb(`${TABLE}.1.0`, SnmpType.Counter64, Buffer.alloc(10, 1)), "bad"],
    ["EnumAsInfo names the value", { name: "e", oid: `${TABLE}.7`, type: "EnumAsInfo", enumValues: { "1": "up", "2": "down" } }, vb(`${TABLE}.7.0`, SnmpType.Integer, 2), { name: "e_info", labels: { e: "down" }, value: 1 }],
    ["index DisplayString (length-prefixed)", { name: "s", oid: `${TABLE}.8`, type: "gauge", indexes: [{ labelname: "ssid", type: "DisplayString" }] }, vb(`${TABLE}.8.3.68.78.71`, SnmpType.Gauge, 12), { name: "s", labels: { ssid: "DNG" }, value: 12 }],
    ["index PhysAddress48", { name: "a", oid: `${TABLE}.9`, type: "gauge", indexes: [{ labelname: "mac", type: "PhysAddress48" }] }, vb(`${TABLE}.9.0.26.43.60.77.94`, SnmpType.Integer, 1), { name: "a", labels: { mac: "00:1a:2b:3c:4d:5e" }, value: 1 }],
    ["DisplayString of 1024 characters, the control plane's limit for a label value", { name: "d", oid: `${TABLE}.3`, type: "DisplayString" }, vb(`${TABLE}.3.0`, SnmpType.OctetString, Buffer.alloc(1024, 0x61)), { name: "d", labels: { d: "a".repeat(1024) }, value: 1 }],
    ["DisplayString over 1024 characters is bad (it would get the whole batch refused)", { name: "d", oid: `${TABLE}.3`, type: "DisplayString" }, vb(`${TABLE}.3.0`, SnmpType.OctetString, Buffer.alloc(1025, 0x61)), "bad"],
    ["OCTET STRING whose hex is over 1024 characters is bad", { name: "o", oid: `${TABLE}.2`, type: "OctetString" }, vb(`${TABLE}.2.0`, SnmpType.OctetString, Buffer.alloc(512, 0xff)), "bad"],
    ["PhysAddress48 rendered over 1024 characters is bad", { name: "m", oid: `${TABLE}.4`, type: "PhysAddress48" }, vb(`${TABLE}.4.0`, SnmpType.OctetString, Buffer.alloc(342, 0xff)), "bad"],
    ["index with extra sub-identifiers is bad", { name: "a", oid: `${TABLE}.9`, type: "gauge", indexes: [{ labelname: "i", type: "gauge" }] }, vb(`${TABLE}.9.1.2`, SnmpType.Integer, 1), "bad"],
  ])("%s", (_n, metric, varbind, expected) => {
    const r = mod([metric]).decode([varbind]);
    if (expected === "bad") {
      expect(r.samples).toEqual([]);
      expect(r.badVarbinds).toBe(1);
    } else {
      expect(r.badVarbinds).toBe(0);
      expect(r.samples.map((s) => ({ name: s.name, labels: s.labels, value: s.value }))).toEqual([expected]);
    }
  });

  it("leaves out a lookup label over 1024 characters and keeps the row", () => {
    const IF = "1.3.6.1.2.1.2.2.1";
    const r = new SnmpDecoder([ifMibModule]).decode([vb(`${IF}.8.2`, SnmpType.Integer, 1), vb(`${IF}.2.2`, SnmpType.OctetString, Buffer.alloc(1500, 0x61)), vb("1.3.6.1.2.1.31.1.1.1.1.2", SnmpType.OctetString, Buffer.from("Gi0/1"))]);
    expect(r.samples.find((s) => s.name === "ifOperStatus")?.labels).toEqual({ ifIndex: "2", ifName: "Gi0/1" });
  });

  it("skips noSuchObject, endOfMibView and OIDs outside every module, without counting them bad", () => {
    const r = mod([{ name: "g", oid: `${TABLE}.6`, type: "gauge" }]).decode([vb(`${TABLE}.6.0`, SnmpType.NoSuchObject, null), vb(`${TABLE}.60.0`, SnmpType.Integer, 1), vb("1.3.6.1.2.1.1.3.0", SnmpType.TimeTicks, 5)]);
    expect(r).toEqual({ samples: [], badVarbinds: 0 });
  });

  it("labels ifTable rows from ifXTable lookups that arrive after them, and adds the device label", () => {
    const IF = "1.3.6.1.2.1.2.2.1";
    const IFX = "1.3.6.1.2.1.31.1.1.1";
    const r = new SnmpDecoder([ifMibModule]).decode(
      [vb(`${IF}.8.2`, SnmpType.Integer, 1), vb(`${IF}.2.2`, SnmpType.OctetString, Buffer.from("GigabitEthernet0/1")), vb(`${IFX}.6.2`, SnmpType.Counter64, Buffer.from([1, 0])), vb(`${IFX}.1.2`, SnmpType.OctetString, Buffer.from("Gi0/1")), vb(`${IFX}.18.2`, SnmpType.OctetString, Buffer.from("uplink Hải Châu"))],
      { device: "dn-dist-01" },
    );
    const hc = r.samples.find((s) => s.name === "ifHCInOctets");
    expect(hc?.value).toBe(256);
    expect(hc?.labels).toEqual({ device: "dn-dist-01", ifIndex: "2", ifDescr: "GigabitEthernet0/1", ifName: "Gi0/1", ifAlias: "uplink Hải Châu" });
    expect(r.samples.find((s) => s.name === "ifOperStatus")?.labels).toBe(hc?.labels);
  });
});
