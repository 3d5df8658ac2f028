import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { describeWithPeers, freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { createRequire } from "node:module";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../sim-city.ts";

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const snmp: any = createRequire(import.meta.url)("net-snmp");
const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const AP_NAME = "1.3.6.1.4.1.14179.2.2.1.1.3";
const AP_STATUS = "1.3.6.1.4.1.14179.2.2.1.1.6";
const ESS_SSID = "1.3.6.1.4.1.14179.2.1.1.1.2";
const ROGUE_SSID = "1.3.6.1.4.1.14179.2.1.7.1.11";

describeWithPeers(["snmpbulkwalk", "ssh", "ssh-keygen"], "Wi-Fi controllers: AIRESPACE-WIRELESS-MIB tables and the AireOS-like CLI", () => {
  let city: SimCity;
  let dir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let receiver: any;
  const traps: { oid: string; name: string }[] = [];
  const dev = (n: string): SimDeviceInfo => city.listing.devices.find((d) => d.name === n) as SimDeviceInfo;
  const walk = async (n: string, oid: string): Promise<string[]> => {
    const d = dev(n);
    const { stdout } = await run("snmpbulkwalk", ["-v2c", "-c", d.snmp.community, "-On", "-Cr50", `${d.snmp.host}:${d.snmp.port}`, oid], { maxBuffer: 1 << 24 });
    return stdout.trim().split("\n").filter((l) => l.startsWith(`.${oid}.`));
  };
  const ssh = async (n: string, lines: string[]): Promise<string> => {
    const s = dev(n).ssh as NonNullable<SimDeviceInfo["ssh"]>;
    return new Promise((resolve) => {
      const child = execFile("ssh", ["-i", join(dir, "id"), "-p", String(s.port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", `${s.username}@${s.host}`], { timeout: 10_000 }, (_e, out) => resolve(out));
      child.stdin?.end(`${lines.join("\n")}\n`);
    });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sim-wlc-"));
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id")]);
    const trapPort = await freeUdpPort("127.20.255.3");
    receiver = snmp.createReceiver({ port: trapPort, address: "127.20.255.3", disableAuthorization: true }, (err: Error | null, n?: { pdu: { varbinds: { oid: string; value: unknown }[] } }) => {
      if (err || !n) return;
      const vb = (oid: string): unknown => n.pdu.varbinds.find((v) => v.oid === oid)?.value;
      traps.push({ oid: String(vb("1.3.6.1.6.3.1.1.4.1.0")), name: String(vb("1.3.6.1.4.1.14179.2.2.1.1.3.0") ?? "") });
    });
    city = await startSimCity(inventory, {
      trapReceivers: [{ host: "127.20.255.3", port: trapPort, version: "2c" }],
      seed: 17,
      addressPrefix: "127.20",
      snmpPort: await freeUdpPort("127.20.0.41"),
      sshPort: await freeTcpPort("127.20.0.41"),
      devices: (d) => d.role === "wlc",
      services: false,
      sshAuthorizedKeys: [await readFile(join(dir, "id.pub"), "utf8")],
    });
  });
  afterAll(async () => {
    await city?.stop();
    receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("lists each controller's own APs in bsnAPTable, indexed by MAC", async () => {
    const names = (await walk("dc-wlc-1", AP_NAME)).map((l) => /STRING: "(.*)"$/.exec(l)?.[1]);
    const expected = inventory.hotspots.filter((h) => h.controller === "dc-wlc-1").map((h) => h.name);
    expect(names.sort()).toEqual(expected.sort());
    expect((await walk("dc-wlc-1", AP_NAME))[0]).toMatch(/^\.1\.3\.6\.1\.4\.1\.14179\.2\.2\.1\.1\.3\.0\.58\.125(\.\d+){3} = STRING: /);
  });

  it("an AP going offline is disassociating (2); a rogue broadcasting the public SSID appears; a failover moves the APs", async () => {
    city.network.wlc.setApUp("ap-thach-thang-02", false);
    const mac = city.network.wlc.ap("ap-thach-thang-02").mac.split(":").map((h) => parseInt(h, 16)).join(".");
    const status = (await walk("dc-wlc-1", AP_STATUS)).find((l) => l.startsWith(`.${AP_STATUS}.${mac} `));
    expect(status).toMatch(/INTEGER: 2$/);
    // bsnAPDisassociated (AIRESPACE-WIRELESS-MIB) names the AP; bsnAPAssociated when it is back.
    await vi.waitFor(() => expect(traps).toContainEqual({ oid: "1.3.6.1.4.1.14179.2.6.3.8", name: "ap-thach-thang-02" }));
    city.network.wlc.setApUp("ap-thach-thang-02", true);
    await vi.waitFor(() => expect(traps).toContainEqual({ oid: "1.3.6.1.4.1.14179.2.6.3.7", name: "ap-thach-thang-02" }));
    city.network.wlc.setRogue("dc-wlc-1", "DaNang Free WiFi", true);
    expect(await walk("dc-wlc-1", ROGUE_SSID)).toEqual([expect.stringMatching(/ = STRING: "DaNang Free WiFi"$/)]);
    city.network.wlc.failover("dc-wlc-2", true);
    expect(await walk("dc-wlc-1", AP_NAME)).toHaveLength(inventory.hotspots.length);
    city.network.wlc.failover("dc-wlc-2", false);
    expect(await walk("dc-wlc-2", AP_NAME)).toHaveLength(inventory.hotspots.filter((h) => h.controller === "dc-wlc-2").length);
  });

  it("creates and enables a WLAN and moves an AP from the CLI; show commands and the SNMP tables see it", async () => {
    const ap = inventory.hotspots.find((h) => h.controller === "dc-wlc-2");
    if (!ap) throw new Error("no AP on dc-wlc-2");
    const out = await ssh("dc-wlc-2", ['config wlan create 4 su-kien "DaNang Su Kien"', "config wlan vlan 4 220", "config wlan enable 4", "config wlan frobnicate 4", `config ap location "Nha van hoa moi" ${ap.name}`, `config ap group-name lien-chieu-2 ${ap.name}`, "show wlan summary", "show ap summary", "logout"]);
    const mac = city.network.wlc.ap(ap.name).mac.split(":").map((h) => parseInt(h, 16)).join(".");
    const locations = await walk("dc-wlc-2", "1.3.6.1.4.1.14179.2.2.1.1.4");
    expect(locations).toContain(`.1.3.6.1.4.1.14179.2.2.1.1.4.${mac} = STRING: "Nha van hoa moi"`);
    expect(city.network.wlc.ap(ap.name).group).toBe("lien-chieu-2");
    expect(out).toMatch(/4\s+su-kien \/ DaNang Su Kien\s+Enabled\s+vlan220/);
    expect(out).toContain("Incorrect usage.");
    expect(out).toMatch(/Number of APs\.+ \d+/);
    expect(out).toContain("(Cisco Controller) >");
    expect(await walk("dc-wlc-2", ESS_SSID)).toContain(`.${ESS_SSID}.4 = STRING: "DaNang Su Kien"`);
  });
});
