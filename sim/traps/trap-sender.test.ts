import { createSocket } from "node:dgram";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { simSecrets, type SimSnmpV3Secret } from "../sim-credentials.ts";
import { startSimCity, type SimCity } from "../sim-city.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const snmp: any = createRequire(import.meta.url)("net-snmp");
const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const SEED = 13;

interface Received {
  version: string;
  source: string;
  trapOid: string;
  varbinds: Record<string, unknown>;
}

describe("traps and syslog from the simulated city (net-snmp receiver, UDP and TCP collectors)", () => {
  let city: SimCity;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let receiver: any;
  const traps: Received[] = [];
  const udpLines: string[] = [];
  let tcpData = "";
  const udp = createSocket("udp4");
  let tcp: Server;

  beforeAll(async () => {
    const trapPort = await freeUdpPort("127.23.255.1");
    receiver = snmp.createReceiver({ port: trapPort, address: "127.23.255.1", disableAuthorization: false }, (err: Error | null, n: { pdu: { varbinds: { oid: string; value: unknown }[]; type: number }; rinfo: { address: string } } | undefined) => {
      if (err || !n) return;
      const vbs = Object.fromEntries(n.pdu.varbinds.map((v) => [v.oid, v.value]));
      traps.push({ version: n.pdu.type === snmp.PduType.TrapV2 ? "v2" : String(n.pdu.type), source: n.rinfo.address, trapOid: String(vbs["1.3.6.1.6.3.1.1.4.1.0"]), varbinds: vbs });
    });
    const secrets = simSecrets(SEED, inventory);
    receiver.getAuthorizer().addCommunity((secrets["snmp-community"] as { community: string }).community);
    const u = secrets["snmp-v3-netops"] as SimSnmpV3Secret;
    receiver.getAuthorizer().addUser({ name: u.user, level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha, authKey: u.authKey, privProtocol: snmp.PrivProtocols.aes, privKey: u.privKey });
    const udpPort = await freeUdpPort("127.23.255.1");
    await new Promise<void>((r) => udp.bind(udpPort, "127.23.255.1", () => r()));
    udp.on("message", (m) => udpLines.push(m.toString("utf8")));
    const tcpPort = await freeTcpPort("127.23.255.1");
    tcp = createServer((sock) => sock.on("data", (d) => (tcpData += d.toString("utf8"))));
    await new Promise<void>((r) => tcp.listen(tcpPort, "127.23.255.1", () => r()));
    city = await startSimCity(inventory, {
      seed: SEED,
      addressPrefix: "127.23",
      snmpPort: await freeUdpPort("127.23.0.1"),
      sshPort: await freeTcpPort("127.23.0.1"),
      devices: (d) => d.name === "dist-hai-chau" || d.name === "dc-core-1",
      services: false,
      trapReceivers: [
        { host: "127.23.255.1", port: trapPort, version: "2c" },
        { host: "127.23.255.1", port: trapPort, version: "3" },
      ],
      syslogCollectors: [
        { host: "127.23.255.1", port: udpPort, transport: "udp", format: "rfc3164" },
        { host: "127.23.255.1", port: tcpPort, transport: "tcp", format: "rfc5424" },
      ],
    });
  });
  afterAll(async () => {
    await city?.stop();
    receiver?.close();
    udp.close();
    await new Promise((r) => tcp?.close(r));
  });

  it("a link cut sends linkDown (v2c and v3) from both ends' own addresses, then linkUp, and logs it", async () => {
    const link = inventory.links.find((l) => [l.a.device, l.b.device].sort().join() === "dc-core-1,dist-hai-chau");
    if (!link) throw new Error("no such link");
    city.setLinkCut(link.name, true);
    await vi.waitFor(() => expect(traps.filter((t) => t.trapOid === "1.3.6.1.6.3.1.1.5.3")).toHaveLength(4));
    const down = traps.filter((t) => t.trapOid === "1.3.6.1.6.3.1.1.5.3");
    expect(new Set(down.map((t) => t.source))).toEqual(new Set(["127.23.0.1", "127.23.1.1"]));
    const ifIndex = city.network.device("dist-hai-chau").byName.get(link.b.device === "dist-hai-chau" ? link.b.interface : link.a.interface)?.spec.ifIndex;
    expect(down.find((t) => t.source === "127.23.1.1")?.varbinds[`1.3.6.1.2.1.2.2.1.8.${ifIndex}`]).toBe(2);
    city.setLinkCut(link.name, false);
    await vi.waitFor(() => expect(traps.filter((t) => t.trapOid === "1.3.6.1.6.3.1.1.5.4")).toHaveLength(4));
    await vi.waitFor(() => expect(udpLines.some((l) => /^<187>\w{3} [ \d]\d \d\d:\d\d:\d\d dist-hai-chau %LINK-3-UPDOWN: Interface \S+, changed state to down$/.test(l))).toBe(true));
    await vi.waitFor(() => expect(tcpData).toMatch(/\d+ <189>1 \d{4}-\d\d-\d\dT[\d:.]+Z dist-hai-chau - - LINEPROTO-5-UPDOWN - %LINEPROTO-5-UPDOWN: Line protocol on Interface \S+, changed state to up/));
  });

  it("a power cut silences the device, its neighbour reports linkDown; power back sends coldStart with a fresh sysUpTime", async () => {
    const dist = city.listing.devices.find((d) => d.name === "dist-hai-chau");
    if (!dist) throw new Error("dist-hai-chau not running");
    traps.length = 0;
    const listeners = city.network.device("dist-hai-chau").listenerCount("event");
    await city.setDevicePower("dist-hai-chau", false);
    await vi.waitFor(() => expect(traps.filter((t) => t.trapOid === "1.3.6.1.6.3.1.1.5.3").length).toBeGreaterThan(0));
    expect(new Set(traps.map((t) => t.source))).toEqual(new Set(["127.23.0.1"]));
    const s = snmp.createSession(dist.snmp.host, dist.snmp.community, { port: dist.snmp.port, timeout: 300, retries: 0 });
    s.on("error", () => undefined);
    const silent = await new Promise((r) => s.get(["1.3.6.1.2.1.1.3.0"], (err: Error | null) => r(err?.message)));
    expect(String(silent)).toMatch(/timed out/i);
    await city.setDevicePower("dist-hai-chau", true);
    await vi.waitFor(() => expect(traps.some((t) => t.trapOid === "1.3.6.1.6.3.1.1.5.1" && t.source === "127.23.1.1")).toBe(true));
    const upTicks = await new Promise<number>((r) => s.get(["1.3.6.1.2.1.1.3.0"], (_e: Error | null, v: { value: number }[]) => r(v[0]?.value ?? -1)));
    s.close();
    expect(upTicks).toBeGreaterThanOrEqual(0);
    expect(upTicks).toBeLessThan(6000);
    // The rebooted agent's tables replaced the old ones' listeners rather than adding to them.
    expect(city.network.device("dist-hai-chau").listenerCount("event")).toBe(listeners);
  });

  it("a wrong SNMP community sends authenticationFailure", async () => {
    const dev = city.listing.devices.find((d) => d.name === "dc-core-1");
    const s = snmp.createSession(dev?.snmp.host, "guess", { port: dev?.snmp.port, timeout: 200, retries: 0 });
    s.on("error", () => undefined);
    await new Promise((r) => s.get(["1.3.6.1.2.1.1.3.0"], r));
    s.close();
    await vi.waitFor(() => expect(traps.some((t) => t.trapOid === "1.3.6.1.6.3.1.1.5.5" && t.source === "127.23.0.1")).toBe(true));
    await vi.waitFor(() => expect(udpLines.some((l) => l.includes("%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host 127.0.0.1"))).toBe(true));
  });
});
