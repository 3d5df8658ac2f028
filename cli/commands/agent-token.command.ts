import { resolve } from "node:path";
import { loadConfig } from "../../config/config.ts";
import { checkAgentName, issueAgentToken, listAgentTokens, revokeAgentToken } from "../../services/auth/agent-tokens.ts";
import { writeSecretFile } from "../../services/auth/secret-file.ts";
import type { Command, CommandIo } from "../command.ts";

const USAGE = {
  issue: "cityplane agent-token issue NAME [--out FILE] [--config FILE]",
  revoke: "cityplane agent-token revoke NAME [--config FILE]",
  list: "cityplane agent-token list [--config FILE]",
};
type Verb = keyof typeof USAGE;

interface Parsed {
  name?: string;
  out?: string;
  config?: string;
}

/** Parses one agent-token subcommand's arguments; every problem is reported. */
export function parseAgentTokenArgs(verb: Verb, args: string[]): { ok: true; args: Parsed } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const parsed: Parsed = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--config" || (a === "--out" && verb === "issue")) {
      const v = args[++i];
      if (v === undefined) errors.push(`${a}: needs a value`);
      else parsed[a === "--out" ? "out" : "config"] = v;
    } else if (a.startsWith("-")) errors.push(`unknown option "${a}"`);
    else positional.push(a);
  }
  const wantsName = verb !== "list";
  if (wantsName && positional.length === 0) errors.push("NAME: the agent's name is missing");
  if (positional.length > (wantsName ? 1 : 0)) errors.push(`unexpected argument "${positional[wantsName ? 1 : 0]}"`);
  if (wantsName && positional[0] !== undefined) {
    try {
      checkAgentName(positional[0]);
      parsed.name = positional[0];
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, args: parsed };
}

/** One `agent-token` subcommand: arguments and configuration parsed (usage errors exit 2), then `act`. */
function agentTokenCommand(verb: Verb, summary: string, act: (args: Parsed, dataDir: string, io: CommandIo) => Promise<number>): Command {
  return {
    name: ["agent-token", verb],
    usage: USAGE[verb],
    summary,
    async run(args, io) {
      const p = parseAgentTokenArgs(verb, args);
      if (!p.ok) {
        for (const e of p.errors) io.err(e);
        io.err(`usage: ${USAGE[verb]}`);
        return 2;
      }
      const cfg = loadConfig({ file: p.args.config, env: io.env, cwd: io.cwd });
      if (!cfg.ok) {
        for (const e of cfg.errors) io.err(e);
        return 1;
      }
      return act(p.args, cfg.config.dataDir, io);
    },
  };
}

/**
 * `cityplane agent-token issue NAME`: mints a token for NAME (replacing its previous one) and
 * prints it once — on stdout alone, so `$(cityplane agent-token issue x)` captures just the
 * token — or writes it to `--out FILE` (0600, atomically). A running server picks it up
 * within seconds.
 */
export const agentTokenIssueCommand = agentTokenCommand("issue", "mint (or rotate) an agent's token; printed once, or written to a 0600 file", async (args, dataDir, io) => {
  const name = args.name!;
  const out = args.out !== undefined ? resolve(io.cwd, args.out) : undefined;
  const token = await issueAgentToken(dataDir, name, { deliver: out !== undefined ? (t) => writeSecretFile(out, `${t}\n`) : undefined });
  if (out !== undefined) {
    io.out(`token for agent "${name}" written to ${out} (mode 0600); any previous token of "${name}" no longer works`);
  } else {
    io.out(token);
    io.err(`token for agent "${name}" shown only now (only its hash is kept); any previous token of "${name}" no longer works`);
  }
  return 0;
});

/** `cityplane agent-token revoke NAME`: removes NAME's token; a running server drops its connections. */
export const agentTokenRevokeCommand = agentTokenCommand("revoke", "revoke an agent's token (a running server drops the agent within seconds)", async (args, dataDir, io) => {
  const name = args.name!;
  if (!(await revokeAgentToken(dataDir, name))) {
    io.err(`no token for agent "${name}" in ${dataDir} (see cityplane agent-token list)`);
    return 1;
  }
  io.out(`token for agent "${name}" revoked`);
  return 0;
});

/** `cityplane agent-token list`: agent names and when their tokens were issued, never hashes. */
export const agentTokenListCommand = agentTokenCommand("list", "list the agents holding a token and when each was issued", async (_args, dataDir, io) => {
  const tokens = await listAgentTokens(dataDir);
  if (tokens.length === 0) {
    io.err(`no agent tokens in ${dataDir} (cityplane agent-token issue NAME)`);
    return 0;
  }
  const width = Math.max(5, ...tokens.map((t) => t.agent.length));
  io.out(`${"AGENT".padEnd(width)}  ISSUED`);
  for (const t of tokens) io.out(`${t.agent.padEnd(width)}  ${t.createdAt}`);
  return 0;
});
