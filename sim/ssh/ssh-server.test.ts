import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "ssh2";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { describeWithPeers, freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../sim-city.ts";

const run = promisify(execFile);
const inventory = await loadInventoryOrThrow("inventory/danang.yaml");

describeWithPeers(["ssh", "ssh-keygen", "snmpget"], "simulated IOS CLI over SSH (OpenSSH client, public-key auth)", () => {
  let city: SimCity;
  let dir: string;
  let dev: SimDeviceInfo;
  const events: string[] = [];

  /** Runs OpenSSH with commands on stdin (a shell without PTY, as automation does). */
  async function ssh(lines: string[], key = join(dir, "id")): Promise<{ code: number; out: string }> {
    const ssh = dev.ssh as NonNullable<SimDeviceInfo["ssh"]>;
    const args = ["-i", key, "-p", String(ssh.port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", `${ssh.username}@${ssh.host}`];
    return new Promise((resolve) => {
      const child = execFile("ssh", args, { timeout: 10_000 }, (err, stdout) => resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, out: stdout }));
      child.stdin?.end(`${lines.join("\n")}\n`);
    });
  }

  async function snmpGet(oid: string): Promise<string> {
    const { stdout } = await run("snmpget", ["-v2c", "-c", dev.snmp.community, "-Oqv", `${dev.snmp.host}:${dev.snmp.port}`, oid]);
    return stdout.trim();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sim-ssh-"));
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id")]);
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "stranger")]);
    const pub = await readFile(join(dir, "id.pub"), "utf8");
    city = await startSimCity(inventory, {
      seed: 5,
      addressPrefix: "127.21",
      snmpPort: await freeUdpPort("127.21.2.1"),
      sshPort: await freeTcpPort("127.21.2.1"),
      devices: (d) => d.name === "ar-ubnd",
      services: false,
      sshAuthorizedKeys: [pub],
    });
    dev = city.listing.devices[0] as SimDeviceInfo;
    city.network.device("ar-ubnd").on("event", (e) => events.push(e.type));
  });
  afterAll(async () => {
    await city?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows the running config with the device's hostname and link addresses", async () => {
    const { code, out } = await ssh(["terminal length 0", "show running-config", "exit"]);
    expect(code).toBe(0);
    expect(out).toContain("hostname ar-ubnd");
    expect(out).toMatch(/interface GigabitEthernet0\/0\/0\r\n description METRO: /);
    expect(out).toContain("ar-ubnd#");
  });

  it("applies a change that the running config, SNMP and the unsaved flag all see; write memory saves it", async () => {
    const { out } = await ssh(["conf t", "int gi0/0/0", "description cut for works", "shutdown", "end", "show run", "show ip int brief", "exit"]);
    expect(out).toContain(" description cut for works\r\n");
    expect(out).toMatch(/GigabitEthernet0\/0\/0\s+\S+\s+YES NVRAM\s+administratively down\s+down/);
    expect(out).toContain("ar-ubnd(config-if)#");
    const ifIndex = city.network.device("ar-ubnd").byName.get("GigabitEthernet0/0/0")?.spec.ifIndex;
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.7.${ifIndex}`)).toBe("2");
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.8.${ifIndex}`)).toBe("2");
    expect(await snmpGet(`1.3.6.1.2.1.31.1.1.1.18.${ifIndex}`)).toBe('"cut for works"');
    expect(events).toEqual(expect.arrayContaining(["login", "link", "configured"]));
    expect(city.network.device("ar-ubnd").unsaved()).toBe(true);
    const saved = await ssh(["write memory", "show startup-config", "exit"]);
    expect(saved.out).toContain("[OK]");
    expect(saved.out).toContain(" description cut for works\r\n");
    expect(city.network.device("ar-ubnd").unsaved()).toBe(false);
    await ssh(["configure terminal", "interface GigabitEthernet0/0/0", "no shutdown", "end", "exit"]);
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.8.${ifIndex}`)).toBe("1");
  });

  it.each([
    ["show runnning-config", "% Invalid input detected at '^' marker."],
    ["configure terminal\ninterface Bogus9/9", "% Invalid input detected at '^' marker."],
    ["show", "% Incomplete command."],
  ])("answers %j with %s", async (cmd, message) => {
    const { out } = await ssh([...cmd.split("\n"), "end", "exit"]);
    expect(out).toContain(message);
  });

  it("accepts the listed password (ssh2 client, exec channel) and refuses a wrong one", async () => {
    const ssh = dev.ssh as NonNullable<SimDeviceInfo["ssh"]>;
    const exec = (password: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const c = new Client();
        c.on("error", reject);
        c.on("ready", () =>
          c.exec("show version", (err, stream) => {
            if (err) return reject(err);
            let out = "";
            stream.on("data", (d: Buffer) => (out += d.toString()));
            stream.on("close", () => {
              c.end();
              resolve(out);
            });
          }),
        );
        c.connect({ host: ssh.host, port: ssh.port, username: ssh.username, password, readyTimeout: 5000, hostVerifier: () => true });
      });
    expect(await exec(ssh.password)).toMatch(/^Cisco IOS XE Software[\s\S]*ar-ubnd uptime is \d+ days/);
    await expect(exec("guess")).rejects.toThrow(/authentication methods failed/);
  });

  it("refuses a key it does not know and reports the failed login", async () => {
    events.length = 0;
    const { code, out } = await ssh(["show run"], join(dir, "stranger"));
    expect(code).not.toBe(0);
    expect(out).not.toContain("hostname");
    // The server learns of the failure when the connection closes, just after the client exits.
    await vi.waitFor(() => expect(events).toContain("auth-failure"));
  });
});
