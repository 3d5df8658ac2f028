import { resolve } from "node:path";
import { loadConfig } from "../../config/config.ts";
import { formatProblem, loadInventoryFile } from "../../inventory/inventory.loader.ts";
import { fileURLToPath } from "node:url";
import { loadScenarioFile } from "../../sim/scenario/scenario.loader.ts";
import { listSimCity, startSimCity } from "../../sim/sim-city.ts";

/** The scenario played when none is configured. */
export const DEFAULT_SCENARIO = fileURLToPath(new URL("../../sim/scenarios/default.yaml", import.meta.url));
import type { Command, CommandIo } from "../command.ts";

interface SimArgs {
  list: boolean;
  json: boolean;
  inventory?: string;
  seed?: number;
  prefix?: string;
  speed?: number;
  scenario?: string;
  snmpPort?: number;
  sshPort?: number;
  traps: { host: string; port: number; version: "2c" | "3" }[];
  syslog: { host: string; port: number; transport: "udp" | "tcp"; format: "rfc5424" | "rfc3164" }[];
}

const VALUE_FLAGS = new Set(["--inventory", "--seed", "--prefix", "--speed", "--scenario", "--snmp-port", "--ssh-port", "--trap", "--syslog"]);

/** `HOST:PORT[/2c|/3]` */
function parseTrap(v: string): SimArgs["traps"][number] | undefined {
  const m = /^([\d.]+):(\d{1,5})(?:\/(2c|3))?$/.exec(v);
  return m && Number(m[2]) > 0 && Number(m[2]) < 65536 ? { host: m[1] ?? "", port: Number(m[2]), version: (m[3] ?? "2c") as "2c" | "3" } : undefined;
}

/** `HOST:PORT[/udp|/tcp][/rfc5424|/rfc3164]` */
function parseSyslog(v: string): SimArgs["syslog"][number] | undefined {
  const m = /^([\d.]+):(\d{1,5})(?:\/(udp|tcp))?(?:\/(rfc5424|rfc3164))?$/.exec(v);
  return m && Number(m[2]) > 0 && Number(m[2]) < 65536
    ? { host: m[1] ?? "", port: Number(m[2]), transport: (m[3] ?? "udp") as "udp" | "tcp", format: (m[4] ?? "rfc5424") as "rfc5424" | "rfc3164" }
    : undefined;
}

/** Parses `cityplane sim` flags; every problem is reported. */
export function parseSimArgs(args: string[]): { ok: true; args: SimArgs } | { ok: false; errors: string[] } {
  const out: SimArgs = { list: false, json: false, traps: [], syslog: [] };
  const errors: string[] = [];
  const num = (flag: string, v: string, int: boolean): number | undefined => {
    const n = Number(v);
    if (v === "" || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
      errors.push(`${flag}: "${v}" is not ${int ? "an integer" : "a number"}`);
      return undefined;
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag === "--list") out.list = true;
    else if (flag === "--json") out.json = true;
    else if (VALUE_FLAGS.has(flag)) {
      const v = inline ?? args[++i];
      if (v === undefined) {
        errors.push(`${flag}: needs a value`);
        continue;
      }
      if (flag === "--inventory") out.inventory = v;
      else if (flag === "--seed") out.seed = num(flag, v, true);
      else if (flag === "--prefix") out.prefix = v;
      else if (flag === "--speed") out.speed = num(flag, v, false);
      else if (flag === "--scenario") out.scenario = v;
      else if (flag === "--snmp-port") out.snmpPort = num(flag, v, true);
      else if (flag === "--ssh-port") out.sshPort = num(flag, v, true);
      else if (flag === "--trap") {
        const t = parseTrap(v);
        if (t) out.traps.push(t);
        else errors.push(`--trap: "${v}" is not HOST:PORT[/2c|/3]`);
      } else if (flag === "--syslog") {
        const t = parseSyslog(v);
        if (t) out.syslog.push(t);
        else errors.push(`--syslog: "${v}" is not HOST:PORT[/udp|/tcp][/rfc5424|/rfc3164]`);
      }
    } else errors.push(`unknown option "${a}"`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, args: out };
}

function waitForStopSignal(): Promise<string> {
  return new Promise((res) => {
    const on = (sig: string) => () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      res(sig);
    };
    const onInt = on("SIGINT");
    const onTerm = on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

async function run(args: string[], io: CommandIo): Promise<number> {
  const parsed = parseSimArgs(args);
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(e);
    return 2;
  }
  const a = parsed.args;
  const cfg = loadConfig({ env: io.env, cwd: io.cwd });
  if (!cfg.ok) {
    for (const e of cfg.errors) io.err(e);
    return 1;
  }
  const file = a.inventory !== undefined ? resolve(io.cwd, a.inventory) : cfg.config.inventory;
  const inv = await loadInventoryFile(file);
  if (!inv.ok) {
    for (const p of inv.problems) io.err(formatProblem(p));
    io.err(`${inv.problems.length} problem${inv.problems.length === 1 ? "" : "s"} in the inventory`);
    return 1;
  }
  const opts = {
    seed: a.seed ?? cfg.config.sim.seed,
    addressPrefix: a.prefix,
    snmpPort: a.snmpPort ?? cfg.config.sim.snmpPort,
    sshPort: a.sshPort ?? cfg.config.sim.sshPort,
    speed: a.speed ?? cfg.config.sim.speed,
  };
  if (a.list) {
    const listing = listSimCity(inv.inventory, opts);
    if (a.json) io.out(JSON.stringify([...listing.devices, ...listing.services, ...listing.nodes], null, 2));
    else {
      for (const d of listing.devices) io.out(`${d.name.padEnd(22)} ${d.role.padEnd(14)} snmp ${d.snmp.host}:${d.snmp.port}${d.ssh ? `  ssh ${d.ssh.host}:${d.ssh.port}` : ""}`);
      for (const s of listing.services) io.out(`${s.name.padEnd(22)} ${"service".padEnd(14)} ${s.url}`);
      for (const n of listing.nodes) io.out(`${n.name.padEnd(22)} ${"node".padEnd(14)} ${n.metricsUrl}`);
    }
    return 0;
  }
  const scenarioFile = a.scenario !== undefined ? resolve(io.cwd, a.scenario) : cfg.config.sim.scenario ?? DEFAULT_SCENARIO;
  const scenario = await loadScenarioFile(scenarioFile, inv.inventory);
  if (!scenario.ok) {
    for (const p of scenario.problems) io.err(p);
    io.err(`${scenario.problems.length} problem${scenario.problems.length === 1 ? "" : "s"} in the scenario`);
    return 1;
  }
  const started = Date.now();
  const city = await startSimCity(inv.inventory, { ...opts, scenario: scenario.scenario, trapReceivers: a.traps, syslogCollectors: a.syslog, onScenarioLog: (line) => (line.startsWith("scenario error") ? io.err(line) : io.out(line)) });
  io.out(`simulated city up in ${Date.now() - started} ms: ${city.listing.devices.length} devices, ${city.listing.services.length} services (seed ${opts.seed}), scenario "${scenario.scenario.name}" at speed ${opts.speed}; Ctrl-C stops it`);
  const sig = await waitForStopSignal();
  io.out(`${sig}: stopping the simulated city`);
  await city.stop();
  return 0;
}

export const simCommand: Command = {
  name: ["sim"],
  usage: "cityplane sim [--list [--json]] [--seed N] [--speed N] [--prefix 127.N] [--scenario FILE] [--trap HOST:PORT[/3]] [--syslog HOST:PORT[/tcp][/rfc3164]]",
  summary: "run the simulated city (SNMP, SSH, eGov services, scenarios); --list prints addresses and credentials",
  run,
};
