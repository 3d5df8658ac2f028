/**
 * The agent side of the trap-delivery benchmark: a real `cityplane agent` process with a trap
 * receiver and a shipper to the control plane, and Debian's `snmptrap` sending to it.
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startBoundedChild, type BoundedChild } from "./bounded-child.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Credentials the trap receiver accepts; `snmptrap` sends with the same. */
export interface TrapCredentials {
  community: string;
  v3: { username: string; authPassword: string; privPassword: string };
}

/** A UDP port free right now on `host` (the receiver's config needs the number up front). */
export function freeUdpPort(host: string): Promise<number> {
  const sock = createSocket("udp4");
  return new Promise((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(0, host, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/** Writes the agent's config (JSON is YAML) and token file into `dir`; returns the config path. */
export function writeAgentConfig(dir: string, o: { name: string; controlPlaneUrl: string; token: string; httpListen: string; trapListen: string; creds: TrapCredentials }): string {
  const tokenFile = join(dir, "agent.token");
  writeFileSync(tokenFile, `${o.token}\n`, { mode: 0o600 });
  const config = {
    name: o.name,
    listen: o.httpListen,
    auths: {
      "trap-v2c": { version: "2c", community: o.creds.community },
      "trap-v3": { version: 3, username: o.creds.v3.username, securityLevel: "authPriv", authProtocol: "sha", authPassword: o.creds.v3.authPassword, privProtocol: "aes", privPassword: o.creds.v3.privPassword },
    },
    controlPlane: { url: o.controlPlaneUrl, tokenFile },
    traps: { listen: o.trapListen, auths: ["trap-v2c", "trap-v3"] },
    dataDir: join(dir, "agent-data"),
  };
  const path = join(dir, "agent.yaml");
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/**
 * Bundles the agent afresh (what a deployment runs; dist/cityplane-agent.mjs may be older than
 * the sources), starts it and waits for its "serving" line on stderr (it logs there). The
 * bundle sits in a scratch folder under dist/ so its external libraries resolve from
 * node_modules, as in a deployment; `stop()` ends the agent and deletes the folder.
 */
export async function startAgent(configPath: string, lifetimeMs: number): Promise<{ child: BoundedChild; stop(): Promise<void> }> {
  const { buildAgent } = await import("../../agents/build.ts");
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  const buildDir = mkdtempSync(join(ROOT, "dist/bench-trap-delivery-"));
  const remove = (): void => rmSync(buildDir, { recursive: true, force: true });
  let child: BoundedChild;
  try {
    const { outfile } = await buildAgent(join(buildDir, "cityplane-agent.mjs"));
    child = await startBoundedChild(process.execPath, { args: [outfile, "--config", configPath], cwd: ROOT, lifetimeMs, graceMs: 8000 });
  } catch (err) {
    remove();
    throw err;
  }
  const stop = async (): Promise<void> => {
    await child.stop();
    remove();
  };
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  while (!/serving \/snmp/.test(child.stderrTail())) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`the agent did not start${exited ? " (it exited)" : " within 30 s"}: ${child.stderrTail().trim().slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, stop };
}

/** One notification to send: v2c or v3 authPriv, trap OID, then `oid type value` triples. */
export interface TrapSpec {
  version: "2c" | "3";
  trapOid: string;
  varbinds: string[];
}

/**
 * Runs `snmptrap` once, asynchronously (a blocking spawn would stall the control plane, which
 * runs in the benchmark's process); resolves with the exit time, rejects on a non-zero exit.
 */
export function sendTrap(snmptrap: string, target: string, creds: TrapCredentials, spec: TrapSpec, env: NodeJS.ProcessEnv): Promise<number> {
  const security =
    spec.version === "2c"
      ? ["-v2c", "-c", creds.community]
      : ["-v3", "-e", "0x8000000001020304", "-u", creds.v3.username, "-l", "authPriv", "-a", "SHA", "-A", creds.v3.authPassword, "-x", "AES", "-X", creds.v3.privPassword];
  const child = spawn(snmptrap, [...security, "-Ln", target, "", spec.trapOid, ...spec.varbinds], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-2000)));
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return new Promise((resolve, reject) => {
    child.once("error", (err) => {
      clearTimeout(killer);
      reject(new Error(`cannot run ${snmptrap}: ${err.message}`));
    });
    child.once("exit", (code, signal) => {
      const at = performance.now();
      clearTimeout(killer);
      if (code === 0) resolve(at);
      else reject(new Error(`snmptrap exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/**
 * `snmptrap` alone: the same traps sent one at a time to a plain UDP socket on `host` (nothing
 * decodes them), spawn → exit each. Each datagram must arrive, or the figure would time nothing.
 */
export async function snmptrapAlone(snmptrap: string, host: string, creds: TrapCredentials, specs: readonly TrapSpec[], env: NodeJS.ProcessEnv): Promise<number[]> {
  const sock = createSocket("udp4");
  let arrived = 0;
  sock.on("message", () => arrived++);
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(0, host, () => resolve());
  });
  const target = `${host}:${sock.address().port}`;
  const times: number[] = [];
  try {
    for (const spec of specs) {
      const before = arrived;
      const t0 = performance.now();
      times.push((await sendTrap(snmptrap, target, creds, spec, env)) - t0);
      for (let i = 0; i < 100 && arrived === before; i++) await new Promise((r) => setTimeout(r, 10));
      if (arrived === before) throw new Error(`snmptrap exited but no datagram reached ${target} within 1 s`);
    }
  } finally {
    sock.close();
  }
  return times;
}
