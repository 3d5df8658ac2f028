import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { describeWithPeers, freeUdpPort } from "../../test/peers.ts";
import { ManualSimClock } from "../sim-clock.ts";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../sim-city.ts";

const run = promisify(execFile);
// The real net-snmp client, untyped on purpose: this test speaks to the agent exactly as a poller would.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const snmp: any = createRequire(import.meta.url)("net-snmp");
const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const PICK = new Set(["dc-core-1", "dist-hai-chau", "ar-ubnd", "dc-srv-1"]);

interface Vb {
  oid: string;
  type: number;
  value: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function session(d: SimDeviceInfo, v3 = true): any {
  const opts = { port: d.snmp.port, timeout: 1500, retries: 1 };
  if (!v3 || !d.snmp.v3) return snmp.createSession(d.snmp.host, d.snmp.community, { ...opts, version: snmp.Version2c });
  const u = d.snmp.v3;
  return snmp.createV3Session(d.snmp.host, { name: u.user, level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha, authKey: u.authKey, privProtocol: snmp.PrivProtocols.aes, privKey: u.privKey }, opts);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function walk(s: any, oid: string): Promise<Vb[]> {
  const out: Vb[] = [];
  return new Promise((res, rej) => s.subtree(oid, 20, (vbs: Vb[]) => void out.push(...vbs), (err: Error | null) => (err ? rej(err) : res(out))));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function get(s: any, oids: string[]): Promise<Vb[]> {
  return new Promise((res, rej) => s.get(oids, (err: Error | null, vbs: Vb[]) => (err ? rej(err) : res(vbs))));
}

const u64 = (v: unknown): bigint => BigInt(`0x${(v as Buffer).toString("hex") || "0"}`);

describeWithPeers(["snmpbulkwalk"], "simulated SNMP agents (net-snmp and Debian's snmpbulkwalk)", () => {
  let city: SimCity;
  const clock = new ManualSimClock(Date.parse("2026-03-02T07:00:00Z"));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const sessions: any[] = [];
  const dev = (name: string): SimDeviceInfo => city.listing.devices.find((d) => d.name === name) as SimDeviceInfo;
  const open = (d: SimDeviceInfo, v3 = true) => {
    const s = session(d, v3);
    s.on("error", () => undefined);
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    city = await startSimCity(inventory, { seed: 11, addressPrefix: "127.20", snmpPort: await freeUdpPort("127.20.0.1"), devices: (d) => PICK.has(d.name), services: false, clock });
  });
  afterAll(async () => {
    for (const s of sessions) s.close();
    await city?.stop();
  });

  it("answers the system group like the device model would", async () => {
    const vbs = await get(open(dev("dc-core-1")), ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0"]);
    expect(String(vbs[0]?.value)).toMatch(/^Cisco IOS Software.*ASR1000/);
    expect(vbs[1]?.value).toBe("1.3.6.1.4.1.9.1.1861");
    expect(String(vbs[2]?.value)).toBe("dc-core-1");
  });

  it("gives the same ifTable and ifXTable to net-snmp (v3 SHA/AES) and snmpbulkwalk (v2c)", async () => {
    const d = dev("dist-hai-chau");
    for (const table of ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"]) {
      const ours = await walk(open(d), table);
      const { stdout } = await run("snmpbulkwalk", ["-v2c", "-c", d.snmp.community, "-On", "-Oe", "-Cr20", `${d.snmp.host}:${d.snmp.port}`, table]);
      const theirs = stdout.trim().split("\n").map((l) => l.split(" = ")[0]?.replace(/^\./, ""));
      expect(ours.map((v) => v.oid)).toEqual(theirs);
      // The clock is frozen, so even the counters must agree value for value.
      const byOid = new Map(stdout.trim().split("\n").map((l) => [l.split(" = ")[0]?.replace(/^\./, ""), l.split(" = ")[1] ?? ""]));
      for (const v of ours) {
        const text = byOid.get(v.oid) ?? "";
        if (v.type === snmp.ObjectType.Counter64) expect(text).toBe(`Counter64: ${u64(v.value)}`);
        else if (v.type === snmp.ObjectType.Counter32) expect(text).toBe(`Counter32: ${v.value}`);
        else if (v.type === snmp.ObjectType.Integer) expect(text).toBe(`INTEGER: ${v.value}`);
      }
      expect(ours.length).toBeGreaterThan(20);
    }
  });

  it("HC counters only grow and 32-bit counters are their value modulo 2^32 (so they wrap)", async () => {
    const s = open(dev("dc-core-1"));
    // ifIndex 2 is TenGigabitEthernet0/0/0: at a few Gb/s its 32-bit counter wraps within seconds.
    const oids = ["1.3.6.1.2.1.31.1.1.1.6.2", "1.3.6.1.2.1.2.2.1.10.2"];
    let prev = -1n;
    let wrapped = false;
    let prev32 = -1;
    for (let step = 0; step < 12; step++) {
      const [hc, c32] = await get(s, oids);
      const v = u64(hc?.value);
      expect(v).toBeGreaterThan(prev);
      expect(c32?.value).toBe(Number(v % 2n ** 32n));
      if (prev32 >= 0 && (c32?.value as number) < prev32) wrapped = true;
      prev = v;
      prev32 = c32?.value as number;
      clock.advance(17_000);
    }
    expect(wrapped).toBe(true);
  });

  it("a cut link shows ifOperStatus down at both ends, and up again once repaired", async () => {
    const a = open(dev("dist-hai-chau"));
    const link = inventory.links.find((l) => l.a.device === "dist-hai-chau" || l.b.device === "dist-hai-chau");
    expect(link).toBeDefined();
    const end = link?.a.device === "dist-hai-chau" ? link.a : link?.b;
    const ifIndex = city.network.device("dist-hai-chau").byName.get(end?.interface ?? "")?.spec.ifIndex;
    const oper = `1.3.6.1.2.1.2.2.1.8.${ifIndex}`;
    expect((await get(a, [oper]))[0]?.value).toBe(1);
    city.setLinkCut(link?.name ?? "", true);
    expect((await get(a, [oper]))[0]?.value).toBe(2);
    city.setLinkCut(link?.name ?? "", false);
    expect((await get(a, [oper]))[0]?.value).toBe(1);
  });

  it("servers answer HOST-RESOURCES-MIB; their data filesystem fills while a scenario says so", async () => {
    const s = open(dev("dc-srv-1"));
    const storage = await walk(s, "1.3.6.1.2.1.25.2.3.1");
    const descr = storage.filter((v) => v.oid.startsWith("1.3.6.1.2.1.25.2.3.1.3.")).map((v) => String(v.value));
    expect(descr).toEqual(["Physical memory", "/", "/var/lib/data"]);
    const used = async (): Promise<number> => (await get(s, ["1.3.6.1.2.1.25.2.3.1.6.36"]))[0]?.value as number;
    const before = await used();
    city.network.device("dc-srv-1").setDiskFill(4096 * 1000);
    clock.advance(10_000);
    expect((await used()) - before).toBe(10_000);
    city.network.device("dc-srv-1").setDiskFill(0);
    const loads = (await walk(s, "1.3.6.1.2.1.25.3.3.1.2")).map((v) => v.value as number);
    expect(loads).toHaveLength(32);
    expect(loads.every((l) => l >= 0 && l <= 100)).toBe(true);
    // Routers do not implement it.
    expect((await get(open(dev("ar-ubnd")), ["1.3.6.1.2.1.25.1.1.0"]))[0]?.type).toBe(snmp.ObjectType.NoSuchObject);
  });

  it("ignores a wrong community and reports an authentication failure", async () => {
    const d = dev("ar-ubnd");
    const events: string[] = [];
    city.network.device("ar-ubnd").on("event", (e) => events.push(e.type));
    const bad = snmp.createSession(d.snmp.host, "public", { port: d.snmp.port, timeout: 300, retries: 0, version: snmp.Version2c });
    bad.on("error", () => undefined);
    sessions.push(bad);
    await expect(get(bad, ["1.3.6.1.2.1.1.3.0"])).rejects.toThrow(/timed out/i);
    expect(events).toContain("auth-failure");
  });

  it("answers nothing to an SNMPv3 request with the wrong keys, and reports an authentication failure", async () => {
    const d = dev("ar-ubnd");
    const events: string[] = [];
    city.network.device("ar-ubnd").on("event", (e) => events.push(e.type));
    const u = d.snmp.v3;
    const out = await run("snmpget", ["-v3", "-l", "authPriv", "-u", u?.user ?? "", "-a", "SHA", "-A", "not-the-key-123", "-x", "AES", "-X", "not-the-key-456", "-t", "1", "-r", "0", `${d.snmp.host}:${d.snmp.port}`, "1.3.6.1.2.1.1.5.0"]).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${out.stdout}${out.stderr}`).not.toContain("ar-ubnd");
    expect(events).toContain("auth-failure");
  });
});
