/**
 * Test peer: Debian's net-snmp `snmpd`, started on a loopback address with a generated
 * configuration (a v2c community and an SHA/AES v3 user), AgentX off, state in a temporary
 * directory. Used by the poller, scrape and HTTP tests and by the benchmark.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerPath } from "../../test/peers.ts";

export interface SnmpdPeer {
  host: string;
  port: number;
  community: string;
  v3: { username: string; authPassword: string; privPassword: string };
  pid: number;
  stop(): Promise<void>;
}

/** Starts snmpd on `host:port` and resolves once it answers. */
export async function startSnmpd(host: string, port: number, opts: { community?: string; extraConf?: string } = {}): Promise<SnmpdPeer> {
  const bin = peerPath("snmpd");
  if (bin === undefined) throw new Error("snmpd is not installed");
  const dir = mkdtempSync(join(tmpdir(), "cityplane-snmpd-"));
  const community = opts.community ?? "city-ro-test";
  const v3 = { username: "netops", authPassword: "auth-pass-123", privPassword: "priv-pass-456" };
  writeFileSync(
    join(dir, "snmpd.conf"),
    [
      "master no",
      `rocommunity ${community} 127.0.0.0/8`,
      `createUser ${v3.username} SHA "${v3.authPassword}" AES "${v3.privPassword}"`,
      `rouser ${v3.username} priv`,
      "sysLocation Trung tâm dữ liệu Đà Nẵng",
      "sysContact noc@danang.example",
      opts.extraConf ?? "",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(bin, ["-f", "-Lo", "-C", "-c", join(dir, "snmpd.conf"), "-p", join(dir, "snmpd.pid"), `udp:${host}:${port}`], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!/NET-SNMP version/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`snmpd did not start on ${host}:${port}: ${log.slice(0, 500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    port,
    community,
    v3,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
