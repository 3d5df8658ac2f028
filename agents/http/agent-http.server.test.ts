import { execFileSync } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Registry } from "prom-client";
import { describeWithPeers, freeUdpPort, peerPath } from "../../test/peers.ts";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { parseProbeModule } from "../probes/probe-registry.ts";
import { snmpModuleRegistry } from "../snmp/snmp-module-registry.ts";
import { SnmpScraper } from "../snmp/snmp-scrape.ts";
import { SnmpSessionPool } from "../snmp/snmp-session-pool.ts";
import { startSnmpd, type SnmpdPeer } from "../snmp/snmpd-peer.ts";
import { createAgentHttpServer } from "./agent-http.server.ts";

/** `OID → value` from snmpbulkwalk with numeric OIDs and bare values. */
function bulkwalk(peer: SnmpdPeer, root: string): Map<string, string> {
  const out = execFileSync(peerPath("snmpbulkwalk") as string, ["-v2c", "-c", peer.community, "-On", "-OQ", "-Oe", "-Ot", "-Ox", `${peer.host}:${peer.port}`, root], { env: { ...process.env, MIBS: "" } }).toString();
  const map = new Map<string, string>();
  for (const line of out.split("\n")) {
    const m = /^\.(\S+) = (.*)$/.exec(line);
    if (!m) continue;
    const v = (m[2] as string).trim().replace(/^"|"$/g, "").trim();
    // -Ox prints octet strings as hex bytes ("6C 6F"): decode them to compare with our labels.
    map.set(m[1] as string, /^([0-9A-F]{2} ?)+$/.test(v) && !/^\d+$/.test(v) ? Buffer.from(v.replace(/ /g, ""), "hex").toString("utf8") : v.replace(/^"|"$/g, ""));
  }
  return map;
}

/** Parses exposition lines `name{labels} value` into entries. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels: Record<string, string> = {};
    for (const m of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] as string] = m[2] as string;
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) });
  }
  return out;
}

describeWithPeers(["snmpd", "snmpbulkwalk"], "/snmp against Debian snmpd", () => {
  let peer: SnmpdPeer;
  let pool: SnmpSessionPool;
  let http: ReturnType<typeof createAgentHttpServer>;
  let base: string;
  let junk: Socket;
  let junkPort: number;
  let badPackets = 0;

  beforeAll(async () => {
    peer = await startSnmpd("127.30.0.1", await freeUdpPort("127.30.0.1"));
    const auths: Record<string, SnmpAuth> = {
      v2c: { version: "2c", community: peer.community },
      netops: { version: 3, username: peer.v3.username, securityLevel: "authPriv", authProtocol: "sha", authPassword: peer.v3.authPassword, privProtocol: "aes", privPassword: peer.v3.privPassword, legacy: false },
      wrongkey: { version: 3, username: peer.v3.username, securityLevel: "authPriv", authProtocol: "sha", authPassword: "not-the-password", privProtocol: "aes", privPassword: peer.v3.privPassword, legacy: false },
      wrongcommunity: { version: "2c", community: "guess" },
    };
    pool = new SnmpSessionPool({ timeoutMs: 800, retries: 0, concurrency: 2, idleMs: 60_000, onBadPacket: () => badPackets++ });
    const modules = snmpModuleRegistry();
    http = createAgentHttpServer({ scraper: new SnmpScraper(pool, modules), auths, snmpModules: new Set(modules.keys()), probeModules: new Map([["tcp_connect", parseProbeModule({ prober: "tcp" })]]), registry: new Registry(), targets: () => ({}), snmpTimeoutMs: 5000 });
    const addr = await http.listen("127.30.0.1", 0);
    base = `http://127.30.0.1:${addr.port}`;
    // A "device" that answers every request with garbage.
    junk = createSocket("udp4");
    junk.on("message", (_msg, rinfo) => {
      for (const bytes of [Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02]), Buffer.from("not snmp at all"), Buffer.from([0x30, 0x03, 0x02, 0x01])]) junk.send(bytes, rinfo.port, rinfo.address);
    });
    junkPort = await freeUdpPort("127.30.0.2");
    await new Promise<void>((r) => junk.bind(junkPort, "127.30.0.2", () => r()));
  });

  afterAll(async () => {
    await http?.close();
    pool?.close();
    junk?.close();
    await peer?.stop();
  });

  it.each(["v2c", "netops"])("if_mib via auth %s matches snmpbulkwalk value by value", async (auth) => {
    const before = bulkwalk(peer, "1.3.6.1.2.1.31.1.1.1");
    const res = await fetch(`${base}/snmp?target=${peer.host}:${peer.port}&module=if_mib&auth=${auth}`);
    const after = bulkwalk(peer, "1.3.6.1.2.1.31.1.1.1");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("version=0.0.4");
    const table = bulkwalk(peer, "1.3.6.1.2.1.2.2.1");
    const hc = samples(text, "ifHCInOctets");
    expect(hc.length).toBeGreaterThan(0);
    for (const s of hc) {
      const idx = s.labels.ifIndex as string;
      // Counters move between the walks: ours must lie between snmpbulkwalk's before and after.
      expect(s.value).toBeGreaterThanOrEqual(Number(before.get(`1.3.6.1.2.1.31.1.1.1.6.${idx}`)));
      expect(s.value).toBeLessThanOrEqual(Number(after.get(`1.3.6.1.2.1.31.1.1.1.6.${idx}`)));
      expect(s.labels.ifName).toBe(before.get(`1.3.6.1.2.1.31.1.1.1.1.${idx}`));
      expect(s.labels.ifDescr).toBe(table.get(`1.3.6.1.2.1.2.2.1.2.${idx}`));
    }
    for (const [name, col] of [["ifMtu", 4], ["ifSpeed", 5], ["ifAdminStatus", 7], ["ifOperStatus", 8]] as const) {
      const ours = samples(text, name);
      expect(ours.length).toBe(hc.length);
      for (const s of ours) expect(String(s.value)).toBe(table.get(`1.3.6.1.2.1.2.2.1.${col}.${s.labels.ifIndex}`));
    }
    expect(text).toMatch(/^# TYPE ifHCInOctets counter$/m);
    expect(samples(text, "snmp_scrape_pdus_returned")[0]?.value).toBeGreaterThan(1);
  });

  it("answers system and host_resources with sysName and storage from the device", async () => {
    const res = await fetch(`${base}/snmp?target=${peer.host}:${peer.port}&module=system,host_resources&auth=netops`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(samples(text, "sysLocation")[0]?.labels.sysLocation).toBe("Trung tâm dữ liệu Đà Nẵng");
    expect(samples(text, "hrStorageSize").some((s) => s.labels.hrStorageDescr === "Physical memory" && s.value > 0)).toBe(true);
  });

  it.each([
    ["wrong v3 key", "wrongkey", 500, /error collecting .*: /],
    ["wrong community (snmpd stays silent)", "wrongcommunity", 500, /no answer \(timeout\)/],
    ["unknown auth", "nobody", 400, /unknown auth "nobody"/],
  ])("%s gives a clear error and the next poll is correct", async (_name, auth, status, message) => {
    const res = await fetch(`${base}/snmp?target=${peer.host}:${peer.port}&module=if_mib&auth=${auth}`);
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(message);
    const ok = await fetch(`${base}/snmp?target=${peer.host}:${peer.port}&module=if_mib&auth=netops`);
    expect(ok.status).toBe(200);
  });

  it("survives a device answering garbage, counts the bad packets, and polls correctly afterwards", async () => {
    const res = await fetch(`${base}/snmp?target=127.30.0.2:${junkPort}&module=if_mib&auth=v2c`);
    expect(res.status).toBe(500);
    expect(badPackets).toBeGreaterThan(0);
    const ok = await fetch(`${base}/snmp?target=${peer.host}:${peer.port}&module=if_mib&auth=v2c`);
    expect(samples(await ok.text(), "ifHCInOctets").length).toBeGreaterThan(0);
  });

  it.each([
    ["/snmp?module=if_mib", 400, "'target' parameter must be specified"],
    ["/snmp?target=127.30.0.1&module=nope&auth=v2c", 400, 'unknown module "nope"'],
    ["/snmp?target=127.30.0.1:99999&auth=v2c", 400, "must be HOST or HOST:PORT"],
    ["/probe?target=127.30.0.1:1&module=http_9xx", 400, 'unknown module "http_9xx"'],
    ["/nothing", 404, "not found"],
  ])("GET %s answers %i", async (path, status, text) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(text);
  });

  it("/probe answers with blackbox_exporter's names", async () => {
    const res = await fetch(`${base}/probe?target=${peer.host}:1&module=tcp_connect`);
    expect(samples(await res.text(), "probe_success")[0]?.value).toBe(0);
  });
});
