import { loadConfig } from "../../config/config.ts";
import { runServer } from "../../services/main.ts";
import type { Command } from "../command.ts";

const USAGE = "cityplane server [--config FILE] [--sim-addresses [--sim-prefix 127.N]] [--interval SECONDS]";

/** Parses `cityplane server` flags; every problem is reported. */
export function parseServerArgs(args: string[]): { ok: true; file?: string; sim: boolean; prefix?: string; interval?: number } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  let file: string | undefined;
  let sim = false;
  let prefix: string | undefined;
  let interval: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--sim-addresses") sim = true;
    else if (a === "--config" || a === "--sim-prefix" || a === "--interval") {
      const v = args[++i];
      if (v === undefined) errors.push(`${a}: needs a value`);
      else if (a === "--config") file = v;
      else if (a === "--sim-prefix") prefix = v;
      else if (!/^\d+$/.test(v) || Number(v) < 1) errors.push(`--interval: "${v}" is not a whole number of seconds ≥ 1`);
      else interval = Number(v);
    } else errors.push(`unknown option "${a}"`);
  }
  if (prefix !== undefined && !sim) errors.push("--sim-prefix: only with --sim-addresses");
  return errors.length > 0 ? { ok: false, errors } : { ok: true, file, sim, prefix, interval };
}

function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string) => () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(sig);
    };
    const onInt = stop("SIGINT");
    const onTerm = stop("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

export const serverCommand: Command = {
  name: ["server"],
  usage: USAGE,
  summary: "run the control plane (ingest, assignment, queries, live console feed)",
  async run(args, io) {
    const parsed = parseServerArgs(args);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(e);
      io.err(`usage: ${USAGE}`);
      return 2;
    }
    const cfg = loadConfig({ file: parsed.file, env: io.env, cwd: io.cwd });
    if (!cfg.ok) {
      for (const e of cfg.errors) io.err(e);
      return 1;
    }
    const server = await runServer({ config: cfg.config, simAddresses: parsed.sim ? { addressPrefix: parsed.prefix } : undefined, out: io.out, intervalSeconds: parsed.interval });
    io.out(`control plane listening on ${server.url}`);
    const sig = await waitForStop();
    io.out(`${sig}: stopping the control plane`);
    await server.close();
    return 0;
  },
};
