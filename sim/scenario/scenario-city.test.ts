import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { describeWithPeers, freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { ManualSimClock } from "../sim-clock.ts";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../sim-city.ts";
import type { SimDeviceEvent } from "../model/sim-device.ts";

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const snmp: any = createRequire(import.meta.url)("net-snmp");
const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const DEVICES = new Set(["dist-hai-chau", "ar-thach-thang", "ar-hai-chau-1"]);

describeWithPeers(["snmpbulkwalk", "snmpget"], "a scenario step changes what SNMP, traps, LLDP and the CLI show", () => {
  let city: SimCity;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let receiver: any;
  const trapOids: { source: string; oid: string }[] = [];
  const events: { device: string; e: SimDeviceEvent }[] = [];
  const clock = new ManualSimClock(Date.parse("2026-03-02T03:00:00Z"));
  const dev = (n: string): SimDeviceInfo => city.listing.devices.find((d) => d.name === n) as SimDeviceInfo;
  const walk = async (d: SimDeviceInfo, oid: string): Promise<string> =>
    (await run("snmpbulkwalk", ["-v2c", "-c", d.snmp.community, "-On", `${d.snmp.host}:${d.snmp.port}`, oid])).stdout;

  beforeAll(async () => {
    const trapPort = await freeUdpPort("127.21.255.2");
    receiver = snmp.createReceiver({ port: trapPort, address: "127.21.255.2", disableAuthorization: true }, (err: Error | null, n?: { pdu: { varbinds: { oid: string; value: unknown }[] }; rinfo: { address: string } }) => {
      if (!err && n) trapOids.push({ source: n.rinfo.address, oid: String(n.pdu.varbinds.find((v) => v.oid === "1.3.6.1.6.3.1.1.4.1.0")?.value) });
    });
    city = await startSimCity(inventory, {
      seed: 21,
      addressPrefix: "127.21",
      snmpPort: await freeUdpPort("127.21.1.1"),
      sshPort: await freeTcpPort("127.21.1.1"),
      devices: (d) => DEVICES.has(d.name),
      services: false,
      clock,
      trapReceivers: [{ host: "127.21.255.2", port: trapPort, version: "2c" }],
      scenario: {
        version: 1,
        name: "test",
        loop: false,
        period: "10m",
        steps: [
          { action: "lldp-mismatch", at: "0s", device: "dist-hai-chau", interface: "GigabitEthernet0/1/0.167", seen: { device: "ar-hai-chau-1", interface: "GigabitEthernet0/0/0" } },
          { action: "link-cut", at: "1m", for: "2m", link: "metro-thach-thang" },
          { action: "ssh-brute-force", at: "1m", device: "ar-hai-chau-1", attempts: 4 },
          { action: "config-change", at: "1m", device: "ar-thach-thang", interface: "GigabitEthernet0/0/0", description: "TAM THOI", save: false },
        ],
      },
    });
    for (const n of DEVICES) city.network.device(n).on("event", (e) => events.push({ device: n, e }));
  });
  afterAll(async () => {
    await city?.stop();
    receiver?.close();
  });

  it("the LLDP table shows the re-patched neighbour, which the inventory does not have", async () => {
    city.scenario?.advance();
    const port = city.network.device("dist-hai-chau").byName.get("GigabitEthernet0/1/0.167")?.spec.ifIndex;
    const out = await walk(dev("dist-hai-chau"), "1.0.8802.1.1.2.1.4.1.1.9");
    expect(out).toContain(`.1.0.8802.1.1.2.1.4.1.1.9.0.${port}.1 = STRING: "ar-hai-chau-1"`);
    expect(out).not.toContain('"ar-thach-thang"');
  });

  it("a link cut: ifOperStatus down, linkDown traps from both ends, LLDP forgets the neighbour", async () => {
    const ar = dev("ar-thach-thang");
    const ifIndex = city.network.device("ar-thach-thang").byName.get("GigabitEthernet0/0/0")?.spec.ifIndex;
    const oper = async (): Promise<string> => (await run("snmpget", ["-v2c", "-c", ar.snmp.community, "-Oqv", `${ar.snmp.host}:${ar.snmp.port}`, `1.3.6.1.2.1.2.2.1.8.${ifIndex}`])).stdout.trim();
    expect(await oper()).toBe("1");
    clock.advance(60_000);
    city.scenario?.advance();
    expect(await oper()).toBe("2");
    await vi.waitFor(() => expect(trapOids.filter((t) => t.oid === "1.3.6.1.6.3.1.1.5.3").map((t) => t.source).sort()).toEqual(["127.21.1.1", "127.21.3.1"]));
    const port = city.network.device("dist-hai-chau").byName.get("GigabitEthernet0/1/0.167")?.spec.ifIndex;
    const lldp = await walk(dev("dist-hai-chau"), "1.0.8802.1.1.2.1.4.1.1.9");
    expect(lldp).not.toContain(`.1.0.8802.1.1.2.1.4.1.1.9.0.${port}.1 =`);
    expect(lldp).toContain('"ar-hai-chau-1"'); // still seen on its own circuit, .168
    // The config-change step went through the same CLI an engineer uses, and left it unsaved.
    expect(city.network.device("ar-thach-thang").running.interfaces.get("GigabitEthernet0/0/0")?.description).toBe("TAM THOI");
    expect(city.network.device("ar-thach-thang").unsaved()).toBe(true);
    expect(events.some((x) => x.device === "ar-thach-thang" && x.e.type === "configured")).toBe(true);
    clock.advance(120_000);
    city.scenario?.advance();
    expect(await oper()).toBe("1");
  });

  it("an SSH brute force is refused, each attempt logged from the attacker's address", async () => {
    await vi.waitFor(() => expect(events.filter((x) => x.device === "ar-hai-chau-1" && x.e.type === "auth-failure")).toHaveLength(4), { timeout: 15_000 });
    const sources = events.flatMap((x) => (x.e.type === "auth-failure" ? [x.e.source] : []));
    expect(new Set(sources)).toEqual(new Set(["127.21.254.66"]));
    expect(trapOids.filter((t) => t.oid === "1.3.6.1.6.3.1.1.5.5" && t.source === "127.21.3.2").length).toBeGreaterThan(0);
    expect(city.scenario?.errors).toEqual([]);
  });
});
