import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ssh2 from "ssh2";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { simHostKey } from "../../sim/ssh/host-key.ts";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../../sim/sim-city.ts";
import { freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { CLI_DRIVERS } from "./cli-drivers.ts";
import { CliSession, sshFingerprint } from "./cli-session.ts";
import { SshConfigCollector, type SshCredentials } from "./config-collector.ts";

/** The collector against the simulated city's IOS CLI (ssh2 server, password login). */
const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const SEED = 11;
const DEVICE = "ar-ubnd";
const WLC = "dc-wlc-1";

describe("SshConfigCollector against the simulated IOS CLI", () => {
  let city: SimCity;
  let dev: SimDeviceInfo;
  let creds: SshCredentials;
  let wlc: SimDeviceInfo;
  const credsOf = (d: SimDeviceInfo): SshCredentials => {
    const ssh = d.ssh as NonNullable<SimDeviceInfo["ssh"]>;
    const key = ssh2.utils.parseKey(simHostKey(SEED, d.name));
    const pub = (Array.isArray(key) ? key[0] : key) as ssh2.ParsedKey;
    return { username: ssh.username, password: ssh.password, hostKeySha256: [sshFingerprint(pub.getPublicSSH())] };
  };

  beforeAll(async () => {
    city = await startSimCity(inventory, {
      seed: SEED,
      addressPrefix: "127.41",
      snmpPort: await freeUdpPort("127.41.2.1"),
      sshPort: await freeTcpPort("127.41.2.1"),
      devices: (d) => d.name === DEVICE || d.name === WLC,
      services: false,
    });
    dev = city.listing.devices.find((d) => d.name === DEVICE) as SimDeviceInfo;
    wlc = city.listing.devices.find((d) => d.name === WLC) as SimDeviceInfo;
    creds = credsOf(dev);
  });
  afterAll(async () => {
    await city?.stop();
  });

  const target = () => {
    const ssh = dev.ssh as NonNullable<SimDeviceInfo["ssh"]>;
    return { kind: "ssh" as const, id: `ssh:${DEVICE}`, device: DEVICE, host: ssh.host, port: ssh.port, auth: "ssh-netops", driver: "ios" as const, intervalSeconds: 300 };
  };

  it("password login; a change made by hand shows as a diff and an unsaved finding", async () => {
    const col = new SshConfigCollector({ agent: "agent-1", credentials: () => creds, commandTimeoutMs: 5000 });
    const first = await col.collect(target(), new AbortController().signal);
    expect(first.events.map((e) => e.type)).toEqual(["config-baseline"]);

    const t = target();
    const session = await CliSession.open({ host: t.host, port: t.port, ...creds }, CLI_DRIVERS.ios, { label: DEVICE, connectTimeoutMs: 5000, commandTimeoutMs: 5000 });
    for (const cmd of ["configure terminal", "interface GigabitEthernet0/0/0", "description changed by hand", "end"]) await session.run(cmd);
    await session.close();

    const second = await col.collect(target(), new AbortController().signal);
    expect(second.events.map((e) => e.type)).toEqual(["config-changed", "config-unsaved"]);
    expect(second.events[0]?.attributes.diff).toContain("+ description changed by hand\n");
    expect(JSON.stringify(second)).not.toContain(creds.password as string);
  });

  it("wlc driver: AireOS prompt and banner; a command the controller rejects is a clear error, not configuration", async () => {
    const ssh = wlc.ssh as NonNullable<SimDeviceInfo["ssh"]>;
    const t = { kind: "ssh" as const, id: `ssh:${WLC}`, device: WLC, host: ssh.host, port: ssh.port, auth: "ssh-netops", driver: "wlc" as const, intervalSeconds: 300 };
    // The simulated controller knows `show wlan summary` but not paging control or run-config.
    const readable = new SshConfigCollector({ agent: "agent-1", credentials: () => credsOf(wlc), commandTimeoutMs: 5000, drivers: { wlc: { ...CLI_DRIVERS.wlc, setup: [], running: "show wlan summary" } } });
    const first = await readable.collect(t, new AbortController().signal);
    expect(first.events.map((e) => e.type)).toEqual(["config-baseline"]);
    expect(first.samples.some((s) => s.name === "cityplane_ssh_config_unsaved")).toBe(false);
    const stock = new SshConfigCollector({ agent: "agent-1", credentials: () => credsOf(wlc), commandTimeoutMs: 5000 });
    await expect(stock.collect(t, new AbortController().signal)).rejects.toThrow(/dc-wlc-1: the device rejected "config paging disable": Incorrect usage/);
  });
});
