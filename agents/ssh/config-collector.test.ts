import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { describeWithPeers, freeTcpPort, peerPath } from "../../test/peers.ts";
import type { TargetOf } from "../collector.ts";
import { CLI_DRIVERS } from "./cli-drivers.ts";
import { SshConfigCollector, type SshCredentials } from "./config-collector.ts";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/ssh");
const HOST = "127.40.0.1";

/** A real OpenSSH sshd whose only command is the router CLI emulator in test/fixtures/ssh. */
class RouterSshd {
  dir = "";
  state = "";
  port = 0;
  hostKeyFingerprint = "";
  clientKey = "";
  private proc: ChildProcess | undefined;

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), "cityplane-sshd-"));
    this.state = join(this.dir, "state");
    await mkdir(this.state);
    await copyFile(join(FIXTURES, "running.cfg"), join(this.state, "running.cfg"));
    await copyFile(join(FIXTURES, "startup.cfg"), join(this.state, "startup.cfg"));
    const keygen = peerPath("ssh-keygen") as string;
    execFileSync(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "r1", "-f", join(this.dir, "host_key")]);
    execFileSync(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "agent", "-f", join(this.dir, "client_key")]);
    // The fingerprint as OpenSSH itself prints it: "256 SHA256:… r1 (ED25519)".
    this.hostKeyFingerprint = execFileSync(keygen, ["-l", "-E", "sha256", "-f", join(this.dir, "host_key.pub")]).toString().split(" ")[1] as string;
    this.clientKey = await readFile(join(this.dir, "client_key"), "utf8");
    await copyFile(join(this.dir, "client_key.pub"), join(this.dir, "authorized_keys"));
    this.port = await freeTcpPort(HOST);
    const config = [
      `ListenAddress ${HOST}`,
      `Port ${this.port}`,
      `HostKey ${join(this.dir, "host_key")}`,
      `AuthorizedKeysFile ${join(this.dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PidFile none",
      "StrictModes no",
      `ForceCommand /bin/sh ${join(FIXTURES, "router-cli.sh")} ${this.state}`,
    ].join("\n");
    await writeFile(join(this.dir, "sshd_config"), `${config}\n`);
    // sshd refuses to start without its privilege-separation directory (systemd normally creates it).
    await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const proc = spawn(peerPath("sshd") as string, ["-D", "-e", "-f", join(this.dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    await new Promise<void>((ok, fail) => {
      let log = "";
      proc.stderr?.on("data", (d: Buffer) => {
        log += d.toString();
        if (log.includes("Server listening on")) ok();
      });
      proc.once("exit", (code) => fail(new Error(`sshd exited (${code}): ${log}`)));
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((ok) => proc.once("exit", ok));
      proc.kill("SIGTERM");
      await exited;
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

describeWithPeers(["sshd", "ssh-keygen"], "SshConfigCollector against OpenSSH sshd", () => {
  const sshd = new RouterSshd();
  beforeAll(() => sshd.start());
  afterAll(() => sshd.stop());

  const target = (): TargetOf<"ssh"> => ({ kind: "ssh", id: "ssh:r1", device: "r1", host: HOST, port: sshd.port, auth: "ssh-netops", driver: "ios", intervalSeconds: 300 });
  const creds = (over: Partial<SshCredentials> = {}): SshCredentials => ({ username: "root", privateKey: sshd.clientKey, hostKeySha256: [sshd.hostKeyFingerprint], ...over });
  const collector = (c: () => SshCredentials | undefined = creds, commandTimeoutMs = 5000): SshConfigCollector =>
    new SshConfigCollector({ agent: "agent-1", credentials: () => c(), commandTimeoutMs, connectTimeoutMs: 5000 });
  const pass = (col: SshConfigCollector) => col.collect(target(), new AbortController().signal);

  it("logs in with a key, records a baseline, then reports a change as a diff and an unsaved configuration", async () => {
    const col = collector();
    const first = await pass(col);
    expect(first.events.map((e) => e.type)).toEqual(["config-baseline"]);
    expect(first.events[0]?.attributes.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.events[0]?.attributes.diff).toBeUndefined();
    expect(first.samples.find((s) => s.name === "cityplane_ssh_config_unsaved")?.value).toBe(0);

    // Only volatile lines move: no change reported.
    const running = await readFile(join(sshd.state, "running.cfg"), "utf8");
    await writeFile(join(sshd.state, "running.cfg"), running.replace("412 bytes", "415 bytes").replace("09:12:44", "10:00:00").replace("17179738", "17179901"));
    expect((await pass(col)).events).toEqual([]);

    // Someone changes an address by hand and does not save.
    await writeFile(join(sshd.state, "running.cfg"), running.replace("10.20.1.1 255.255.255.0", "10.20.9.1 255.255.255.0").replace("09:12:44", "11:30:00"));
    const third = await pass(col);
    expect(third.events.map((e) => `${e.kind}/${e.type}`)).toEqual(["config/config-changed", "finding/config-unsaved"]);
    const changed = third.events[0]!;
    expect(changed.security).toBe(true);
    expect(changed.entity).toEqual({ kind: "device", name: "r1" });
    expect(changed.attributes.diff).toContain("\n- ip address 10.20.1.1 255.255.255.0\n+ ip address 10.20.9.1 255.255.255.0\n");
    expect(changed.attributes.diff).not.toContain("Last configuration change");
    expect(third.events[1]?.security).toBe(false);
    expect(third.samples.find((s) => s.name === "cityplane_ssh_config_unsaved")?.value).toBe(1);
    // Still unsaved on the next pass: the finding is not repeated.
    expect((await pass(col)).events).toEqual([]);

    const commands = (await readFile(join(sshd.state, "commands.log"), "utf8")).trim().split("\n");
    expect(commands.slice(0, 4)).toEqual(["terminal length 0", "show running-config", "show startup-config", "exit"]);
    // No credential material in anything the collector produced.
    const all = JSON.stringify([first, third]);
    expect(all).not.toContain(sshd.clientKey.split("\n")[1]);
    await writeFile(join(sshd.state, "running.cfg"), running);
  });

  it("refuses a host key that is not pinned, before running anything", async () => {
    await writeFile(join(sshd.state, "commands.log"), "");
    const col = collector(() => creds({ hostKeySha256: ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] }));
    await expect(pass(col)).rejects.toThrow(new RegExp(`r1: host key ${sshd.hostKeyFingerprint.replace(/[+/]/g, "\\$&")} at ${HOST}:\\d+ is not one of the 1 pinned`));
    expect(await readFile(join(sshd.state, "commands.log"), "utf8")).toBe("");
  });

  const refused: { name: string; creds: () => SshCredentials | undefined; error: RegExp }[] = [
    { name: "no pinned key at all", creds: () => creds({ hostKeySha256: [] }), error: /r1: no pinned host key configured/ },
    { name: "unknown credential name", creds: () => undefined, error: /r1: no SSH credential named "ssh-netops"/ },
    { name: "a key the device does not know", creds: () => creds({ privateKey: undefined, password: "canary-wrong-pw" }), error: /r1: authentication as "root" refused/ },
  ];
  for (const c of refused) {
    it(`fails clearly: ${c.name}`, async () => {
      const err = await pass(collector(c.creds)).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(c.error);
      expect((err as Error).message).not.toContain("canary");
    });
  }

  it("a command the device rejects fails the pass clearly instead of being stored as configuration", async () => {
    const col = new SshConfigCollector({ agent: "agent-1", credentials: () => creds(), drivers: { ios: { ...CLI_DRIVERS.ios, startup: "show nvram-config" } } });
    await expect(pass(col)).rejects.toThrow(/r1: the device rejected "show nvram-config": % Invalid input detected/);
  });

  it("a CLI that hangs mid-command fails that pass with a clear error; the next pass works", async () => {
    // Long enough for a login on a loaded machine; the hang itself never ends.
    const col = collector(creds, 3000);
    await pass(col);
    await writeFile(join(sshd.state, "hang"), "");
    await expect(pass(col)).rejects.toThrow(/r1: "show running-config" got no prompt within 3000 ms/);
    const after = await pass(col);
    expect(after.events).toEqual([]);
    expect(after.samples.length).toBeGreaterThan(0);
  });

  it("the scheduler's abort ends a hung pass at once (long command deadline)", async () => {
    const col = collector(creds, 60_000);
    await writeFile(join(sshd.state, "hang"), "");
    const ctrl = new AbortController();
    await writeFile(join(sshd.state, "commands.log"), "");
    const result = col.collect(target(), ctrl.signal);
    result.catch(() => undefined);
    // Abort once the device is stuck inside the command (the hang file is gone by then).
    await vi.waitFor(async () => expect(await readFile(join(sshd.state, "commands.log"), "utf8")).toContain("show running-config"), { timeout: 5000 });
    ctrl.abort();
    await expect(result).rejects.toThrow(/r1: collection aborted/);
    expect((await pass(col)).samples.length).toBeGreaterThan(0);
  });
});
