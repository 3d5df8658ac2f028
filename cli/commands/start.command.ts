import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../config/config.ts";
import { formatProblem, loadInventoryFile } from "../../inventory/inventory.loader.ts";
import { writeSimAgentConfig } from "../../services/agents/agent-config.writer.ts";
import { ensureAdminCredentials } from "../../services/auth/admin-credentials.ts";
import { issueAgentToken } from "../../services/auth/agent-tokens.ts";
import type { Command, CommandIo } from "../command.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/cityplane.js");
const AGENT_NAME = "agent-1";
const USAGE = "cityplane start [--sim-prefix 127.N] [--interval SECONDS]";

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node bin/cityplane.js <args>`, prefixing each output line with the child's name. */
function launch(name: string, args: string[], io: CommandIo): Child {
  const proc = spawn(process.execPath, [BIN, ...args], { env: io.env as NodeJS.ProcessEnv, cwd: io.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const pipe = (stream: NodeJS.ReadableStream | null, write: (l: string) => void) => {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) write(`[${name}] ${l}`);
    });
  };
  pipe(proc.stdout, io.out);
  pipe(proc.stderr, io.err);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.once("exit", (code, signal) => res({ code, signal })));
  return { name, proc, exited };
}

async function stop(child: Child, graceMs = 10_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function waitHealthy(url: string, child: Child, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return false;
    try {
      if ((await fetch(`${url}/healthz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function parseArgs(args: string[]): { ok: true; prefix?: string; interval?: string } | { ok: false; error: string } {
  let prefix: string | undefined;
  let interval: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if ((a === "--sim-prefix" || a === "--interval") && v !== undefined) {
      if (a === "--sim-prefix") prefix = v;
      else interval = v;
      i++;
    } else return { ok: false, error: `unknown or incomplete option "${a}"` };
  }
  return { ok: true, prefix, interval };
}

/**
 * `cityplane start` (= `npm start`): the simulated city, the control plane and one agent as
 * child processes, so a crash of one is visible and Ctrl-C stops them all. Prints the URL and,
 * the first time only, the generated admin password.
 */
async function run(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseArgs(args);
  if (!parsed.ok) {
    io.err(parsed.error);
    io.err(`usage: ${USAGE}`);
    return 2;
  }
  const cfg = loadConfig({ env: io.env, cwd: io.cwd });
  if (!cfg.ok) {
    for (const e of cfg.errors) io.err(e);
    return 1;
  }
  const config = cfg.config;
  const inv = await loadInventoryFile(config.inventory);
  if (!inv.ok) {
    for (const p of inv.problems) io.err(formatProblem(p));
    return 1;
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const admin = await ensureAdminCredentials(config.dataDir, { password: io.env.CITYPLANE_ADMIN_PASSWORD });
  const token = await issueAgentToken(config.dataDir, AGENT_NAME);
  const connectHost = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  const url = `http://${connectHost.includes(":") ? `[${connectHost}]` : connectHost}:${config.server.port}`;
  const agentFiles = await writeSimAgentConfig({
    dataDir: config.dataDir, inventory: inv.inventory, seed: config.sim.seed, agentName: AGENT_NAME, token, controlPlaneUrl: url, listen: `127.0.0.1:${await freePort("127.0.0.1")}`,
  });
  const prefixArgs = parsed.prefix !== undefined ? ["--prefix", parsed.prefix] : [];
  const { findCommand } = await import("../main.ts");
  const hasAgent = findCommand(["agent"]) !== undefined;

  const children: Child[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const c of [...children].reverse()) await stop(c);
  };
  const crashed = new Promise<Child>((res) => {
    const watch = (c: Child) => void c.exited.then(() => !stopping && res(c));
    const push = children.push.bind(children);
    children.push = (...cs: Child[]) => {
      cs.forEach(watch);
      return push(...cs);
    };
  });
  const signalled = new Promise<string>((res) => {
    process.once("SIGINT", () => res("SIGINT"));
    process.once("SIGTERM", () => res("SIGTERM"));
  });

  if (config.sim.enabled) children.push(launch("sim", ["sim", ...prefixArgs], io));
  const server = launch("server", ["server", ...(config.sim.enabled ? ["--sim-addresses", ...(parsed.prefix !== undefined ? ["--sim-prefix", parsed.prefix] : [])] : []), ...(parsed.interval !== undefined ? ["--interval", parsed.interval] : [])], io);
  children.push(server);
  if (!(await waitHealthy(url, server, 60_000))) {
    io.err(`the control plane did not become healthy at ${url}; stopping`);
    await stopAll();
    return 1;
  }
  if (hasAgent) children.push(launch("agent", ["agent", "--config", agentFiles.configPath], io));
  else io.err("the agent command is not available in this build: no samples will be collected");

  const shownUrl = connectHost === "127.0.0.1" ? `http://localhost:${config.server.port}` : url;
  io.out("");
  io.out(`cityplane is running: ${shownUrl}  (API docs ${shownUrl}/api/docs, metrics ${shownUrl}/metrics)`);
  if (admin.generatedPassword !== undefined) {
    io.out(`admin login: user "${admin.username}", password ${admin.generatedPassword}`);
    io.out(`  shown only this once; stored as a scrypt hash in ${admin.path}. To reset it, stop cityplane, delete that file and start again.`);
  } else if (admin.created) {
    io.out(`admin login: user "${admin.username}", password from CITYPLANE_ADMIN_PASSWORD (stored as a scrypt hash in ${admin.path})`);
  } else {
    io.out(`admin login: user "${admin.username}" (password set earlier; to reset it, stop cityplane, delete ${admin.path} and start again)`);
  }
  io.out(`data in ${config.dataDir}; agent config ${agentFiles.configPath}. Ctrl-C stops everything.`);

  const outcome = await Promise.race([signalled.then((sig) => ({ sig })), crashed.then((child) => ({ child }))]);
  if ("sig" in outcome) {
    io.out(`${outcome.sig}: stopping the agent, the control plane and the simulated city`);
    await stopAll();
    io.out("stopped");
    return 0;
  }
  const { code, signal } = await outcome.child.exited;
  io.err(`${outcome.child.name} exited unexpectedly (${signal !== null ? `signal ${signal}` : `code ${code}`}); stopping the others`);
  await stopAll();
  return 1;
}

export const startCommand: Command = {
  name: ["start"],
  usage: USAGE,
  summary: "run the simulated city, the control plane and one agent together (npm start)",
  run,
};

