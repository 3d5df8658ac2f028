import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { startSimCity, type SimCity } from "../../sim/sim-city.ts";
import { simSecrets, type SimSnmpV3Secret } from "../../sim/sim-credentials.ts";
import { freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { MemorySink } from "../sink.ts";
import { TrapReceiver } from "../traps/trap-receiver.ts";
import { SnmpCollector } from "./snmp-collector.ts";
import { snmpModuleRegistry } from "./snmp-module-registry.ts";
import { SnmpSessionPool } from "./snmp-session-pool.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const SEED = 41;
const PREFIX = "127.34";
const TRAP_HOST = "127.34.255.250";
const ROUTER = "dist-hai-chau";
const WLC = "dc-wlc-1";

const secret = simSecrets(SEED, inventory)["snmp-v3-netops"] as SimSnmpV3Secret;
const auth: SnmpAuth = { version: 3, username: secret.user, securityLevel: "authPriv", authProtocol: "sha", authPassword: secret.authKey, privProtocol: "aes", privPassword: secret.privKey, legacy: false };

describe("polling the simulated city (router with LLDP, Wi-Fi controller) and receiving its traps", () => {
  let city: SimCity;
  let pool: SnmpSessionPool;
  let collector: SnmpCollector;
  let traps: TrapReceiver;
  const trapSink = new MemorySink();
  const host = (name: string) => {
    const d = city.listing.devices.find((x) => x.name === name);
    if (!d) throw new Error(`${name} not started`);
    return d.snmp;
  };
  const target = (device: string, modules: string[]) => ({ kind: "snmp" as const, id: `snmp:${device}`, device, host: host(device).host, port: host(device).port, auth: "snmp-v3-netops", modules, intervalSeconds: 60 });

  beforeAll(async () => {
    const trapPort = await freeUdpPort(TRAP_HOST);
    traps = await TrapReceiver.start({ agent: "edge-sim", host: TRAP_HOST, port: trapPort, auths: [auth], rateLimit: { perSecond: 100, burst: 100 }, sink: trapSink, deviceAt: (a) => city?.listing.devices.find((d) => d.snmp.host === a)?.name });
    city = await startSimCity(inventory, {
      seed: SEED,
      addressPrefix: PREFIX,
      snmpPort: await freeUdpPort(`${PREFIX}.0.1`),
      sshPort: await freeTcpPort(`${PREFIX}.0.1`),
      devices: (d) => d.name === ROUTER || d.name === WLC,
      services: false,
      trapReceivers: [{ host: TRAP_HOST, port: trapPort, version: "3" }],
    });
    pool = new SnmpSessionPool({ timeoutMs: 3000, retries: 1, concurrency: 2, idleMs: 60_000, onBadPacket: () => undefined });
    collector = new SnmpCollector({ agent: "edge-sim", auths: { "snmp-v3-netops": auth }, modules: snmpModuleRegistry({}), pool, recheckMs: 15_000 });
  }, 25_000);
  afterAll(async () => {
    pool?.close();
    await city?.stop();
    await traps?.close();
  });

  it("polls a router's interfaces and reports LLDP neighbours that match the inventory's links", async () => {
    const r = await collector.collect(target(ROUTER, ["if_mib", "lldp"]), AbortSignal.timeout(15_000));
    const oper = r.samples.filter((s) => s.name === "ifOperStatus");
    expect(oper.length).toBeGreaterThan(0);
    expect(oper.every((s) => s.labels.device === ROUTER && s.labels.ifName !== undefined)).toBe(true);
    const expected = inventory.links
      .flatMap((l) => (l.a.device === ROUTER ? [[l.a.interface, l.b.device, l.b.interface]] : l.b.device === ROUTER ? [[l.b.interface, l.a.device, l.a.interface]] : []))
      .map(([localPort, remoteSystem, remotePort]) => ({ localPort, remoteSystem, remotePort }))
      .sort((a, b) => (a.localPort ?? "").localeCompare(b.localPort ?? "") || (a.remoteSystem ?? "").localeCompare(b.remoteSystem ?? ""));
    expect(expected.length).toBeGreaterThan(1);
    const topology = r.events.find((e) => e.kind === "topology");
    expect(JSON.parse(String(topology?.attributes.neighbours))).toEqual(expected);
    expect(r.samples.find((s) => s.name === "cityplane_snmp_device_up")?.value).toBe(1);
  });

  it("a cut link drops the neighbour from the next pass and sends a linkDown trap that decodes", async () => {
    const link = inventory.links.find((l) => l.a.device === ROUTER || l.b.device === ROUTER);
    if (!link) throw new Error("router has no link");
    const [local, peer] = link.a.device === ROUTER ? [link.a, link.b] : [link.b, link.a];
    city.setLinkCut(link.name, true);
    try {
      const r = await collector.collect(target(ROUTER, ["if_mib", "lldp"]), AbortSignal.timeout(15_000));
      const topology = r.events.find((e) => e.kind === "topology");
      const seen = JSON.parse(String(topology?.attributes.neighbours)) as { remoteSystem: string; localPort: string }[];
      expect(seen.some((n) => n.localPort === local.interface && n.remoteSystem === peer.device)).toBe(false);
      for (let i = 0; i < 100 && !trapSink.eventLog.some((e) => e.type === "linkDown"); i++) await new Promise((res) => setTimeout(res, 50));
      const down = trapSink.eventLog.find((e) => e.type === "linkDown" && e.entity?.name === ROUTER);
      expect(down).toMatchObject({ kind: "trap", severity: "major", attributes: { version: "3", ifIndex: expect.any(Number) } });
      expect(down?.message).toContain(`${ROUTER}: interface down (${local.interface})`);
    } finally {
      city.setLinkCut(link.name, false);
    }
  });

  it("polls a controller: AP status, clients per AP radio and per SSID, rogue APs as a security finding", async () => {
    const aps = city.network.wlc.apsOn(WLC);
    expect(aps.length).toBeGreaterThan(0);
    const ap = aps[0];
    if (!ap) throw new Error("no AP");
    city.network.wlc.setRogue(WLC, "DaNang-Free-WiFi", true);
    city.network.wlc.setApUp(ap.hotspot.name, false);
    const r = await collector.collect(target(WLC, ["wlc"]), AbortSignal.timeout(15_000));
    const status = r.samples.filter((s) => s.name === "bsnAPOperationStatus");
    expect(status).toHaveLength(aps.length);
    expect(status.find((s) => s.labels.bsnAPName === ap.hotspot.name)).toMatchObject({ value: 2, labels: { bsnAPDot3MacAddress: ap.mac } });
    expect(status.filter((s) => s.value === 1)).toHaveLength(aps.filter((a) => a.up).length);
    const radios = r.samples.filter((s) => s.name === "bsnApIfNoOfUsers");
    expect(radios).toHaveLength(aps.length * 2);
    const other = aps.find((a) => a.up);
    if (other) expect(radios.find((s) => s.labels.bsnAPName === other.hotspot.name && s.labels.bsnAPIfSlotId === "1")?.value).toBe(city.network.wlc.clients(other, 1));
    const perSsid = r.samples.filter((s) => s.name === "bsnDot11EssNumberOfMobileStations");
    expect(perSsid.map((s) => s.labels.bsnDot11EssSsid).sort()).toEqual([...(city.network.wlc.wlans.get(WLC) ?? [])].map((w) => w.ssid).sort());
    const rogue = r.events.find((e) => e.type === "rogue-ap");
    expect(rogue).toMatchObject({ security: true, severity: "major", attributes: { ssid: "DaNang-Free-WiFi", mac: expect.stringMatching(/^de:ad:be:/) } });
    expect(r.samples.some((s) => s.name === "bsnRogueAPState" && s.labels.bsnRogueAPSSID === "DaNang-Free-WiFi")).toBe(true);

    // The AP went down: the controller's bsnAPDisassociated trap decodes with the AP's name and MAC.
    for (let i = 0; i < 100 && !trapSink.eventLog.some((e) => e.type === "apDisassociated"); i++) await new Promise((res) => setTimeout(res, 50));
    expect(trapSink.eventLog.find((e) => e.type === "apDisassociated")).toMatchObject({
      entity: { kind: "device", name: WLC },
      message: `${WLC}: access point disassociated (${ap.hotspot.name})`,
      attributes: { apName: ap.hotspot.name, apMac: ap.mac },
    });
    city.network.wlc.setApUp(ap.hotspot.name, true);
    for (let i = 0; i < 100 && !trapSink.eventLog.some((e) => e.type === "apAssociated"); i++) await new Promise((res) => setTimeout(res, 50));
    expect(trapSink.eventLog.find((e) => e.type === "apAssociated")?.attributes).toMatchObject({ apName: ap.hotspot.name });
    // The same rogue on the next pass is not reported again.
    const again = await collector.collect(target(WLC, ["wlc"]), AbortSignal.timeout(15_000));
    expect(again.events.filter((e) => e.type === "rogue-ap")).toEqual([]);
  });
});
