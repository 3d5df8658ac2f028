import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import { freeTcpPort, freeUdpPort } from "./peers.ts";

/**
 * END-TO-END (slow, bounded at 150 s; each step has its own deadline, so a failure names the step): `cityplane start` as a user runs it — the simulated Da
 * Nang, the control plane and one agent as child processes — on a temporary dataDir, a
 * non-default port and simulated addresses in 127.53/16. Passes when samples from every
 * simulated device arrive through the query API, Ctrl-C (SIGINT) stops everything with exit
 * code 0, and a second start on the same dataDir keeps the data and does not reprint the password.
 */
const HOST = "127.52.0.1";
const SIM_PREFIX = "127.53";

interface Run {
  proc: ChildProcess;
  out: string[];
  exit: Promise<number | null>;
}

describe("e2e (slow): cityplane start", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let run: Run | undefined;
  const base = () => `http://${HOST}:${env.CITYPLANE_PORT}`;

  function start(extraEnv: NodeJS.ProcessEnv = {}): Run {
    const proc = spawn(process.execPath, ["bin/cityplane.js", "start", "--sim-prefix", SIM_PREFIX, "--interval", "10"], { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    const out: string[] = [];
    proc.stdout!.setEncoding("utf8").on("data", (c: string) => out.push(...c.split("\n")));
    proc.stderr!.setEncoding("utf8").on("data", (c: string) => out.push(...c.split("\n")));
    const exit = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    return { proc, out, exit };
  }

  async function until<T>(what: string, deadlineMs: number, fn: () => Promise<T | undefined>): Promise<T> {
    const end = Date.now() + deadlineMs;
    let last: unknown;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${what} not reached in ${deadlineMs} ms${last ? ` (${String(last)})` : ""}\n${run?.out.slice(-30).join("\n")}`);
  }

  async function login(password: string): Promise<string> {
    const r = await fetch(`${base()}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
    expect(r.status).toBe(200);
    return ((await r.json()) as { token: string }).token;
  }

  async function reporting(token: string): Promise<Set<string>> {
    const r = await fetch(`${base()}/api/v1/entities?kind=device`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { entities: { name: string; observed: { reporting: string } }[] };
    return new Set(body.entities.filter((e) => e.observed.reporting === "reporting").map((e) => e.name));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "cityplane-e2e-"));
    env = {
      ...process.env,
      CITYPLANE_DATA_DIR: dataDir,
      CITYPLANE_HOST: HOST,
      CITYPLANE_PORT: String(await freeTcpPort(HOST)),
      CITYPLANE_SIM_SNMP_PORT: String(await freeUdpPort(HOST)),
      CITYPLANE_SIM_SSH_PORT: String(await freeTcpPort(HOST)),
      CITYPLANE_LOG_LEVEL: "warn",
    };
  });
  afterEach(async () => {
    // A failed test may leave its start running: stop it (and its children) before the next.
    if (run && run.proc.exitCode === null && run.proc.signalCode === null) {
      run.proc.kill("SIGINT");
      const timer = setTimeout(() => run?.proc.kill("SIGKILL"), 20_000);
      await run.exit;
      clearTimeout(timer);
    }
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("collects from every simulated device, stops cleanly on SIGINT and restarts with its data", { timeout: 150_000 }, async () => {
    const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
    const polled = inventory.devices.filter((d) => d.credentials.snmp !== undefined).map((d) => d.name);
    run = start();
    const password = await until("the admin password line", 30_000, async () => run!.out.map((l) => /password ([A-Za-z0-9_-]{20,})/.exec(l)?.[1]).find((p) => p !== undefined));
    expect(statSync(join(dataDir, "agent-1.yaml")).mode & 0o777).toBe(0o600);
    const token = await login(password);
    const seen = await until("samples from every device", 55_000, async () => {
      const s = await reporting(token);
      return polled.every((d) => s.has(d)) ? s : undefined;
    });
    expect(seen.size).toBeGreaterThanOrEqual(polled.length);
    const page = await (await fetch(`${base()}/`)).text();
    expect(page).toContain(`${polled.length} / ${inventory.devices.length}`);

    run.proc.kill("SIGINT");
    expect(await run.exit).toBe(0);
    expect(run.out.join("\n")).toMatch(/stopped/);

    run = start();
    await until("the second start", 30_000, async () => (run!.out.some((l) => /password set earlier/.test(l)) ? true : undefined));
    expect(run.out.join("\n")).not.toContain(password);
    const again = await login(password);
    const r = await fetch(`${base()}/api/v1/latest?metric=sysUpTime&labels=device=${polled[0]}`, { headers: { authorization: `Bearer ${again}` } });
    expect(((await r.json()) as { values: unknown[] }).values.length).toBeGreaterThan(0);
    run.proc.kill("SIGINT");
    expect(await run.exit).toBe(0);
  });

  it("makes a crashed child visible: SIGKILL of the server stops the others and start exits 1", { timeout: 45_000 }, async () => {
    run = start({ CITYPLANE_SIM: "false" });
    await until("the running banner", 30_000, async () => (run!.out.some((l) => l.startsWith("cityplane is running")) ? true : undefined));
    const children = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(run.proc.pid)]).toString().trim().split("\n");
    const server = children.find((l) => / server( |$)/.test(l));
    expect(server, children.join("\n")).toBeDefined();
    process.kill(Number(server!.trim().split(/\s+/)[0]), "SIGKILL");
    expect(await run.exit).toBe(1);
    expect(run.out.join("\n")).toMatch(/server exited unexpectedly \(signal SIGKILL\); stopping the others/);
    const left = (() => {
      try {
        return execFileSync("ps", ["-o", "pid=", "--ppid", String(run!.proc.pid)]).toString().trim();
      } catch {
        return "";
      }
    })();
    expect(left).toBe("");
  });
});
