import type { Command, CommandIo } from "./command.ts";
import { agentTokenIssueCommand, agentTokenListCommand, agentTokenRevokeCommand } from "./commands/agent-token.command.ts";
import { agentCommand } from "./commands/agent.command.ts";
import { checkConfigCommand } from "./commands/check-config.command.ts";
import { inventoryShowCommand, inventoryValidateCommand } from "./commands/inventory.command.ts";
import { serverCommand } from "./commands/server.command.ts";
import { simCommand } from "./commands/sim.command.ts";
import { startCommand } from "./commands/start.command.ts";

/** Every subcommand; a command is listed only once it works. */
export const COMMANDS: Command[] = [startCommand, checkConfigCommand, inventoryValidateCommand, inventoryShowCommand, simCommand, serverCommand, agentCommand, agentTokenIssueCommand, agentTokenRevokeCommand, agentTokenListCommand];

/** Picks the command whose words prefix the arguments (longest match first). */
export function findCommand(args: string[]): { command: Command; rest: string[] } | undefined {
  const sorted = [...COMMANDS].sort((a, b) => b.name.length - a.name.length);
  for (const command of sorted) {
    if (command.name.every((w, i) => args[i] === w)) return { command, rest: args.slice(command.name.length) };
  }
  return undefined;
}

function usage(io: CommandIo): void {
  io.out("usage: cityplane <command> [options]\n");
  for (const c of COMMANDS) io.out(`  ${c.usage.padEnd(48)} ${c.summary}`);
}

/** The CLI entry: returns the exit code. */
export async function main(args: string[], io: CommandIo = processIo()): Promise<number> {
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h" || args[0] === "help") {
    usage(io);
    return args.length === 0 ? 2 : 0;
  }
  const found = findCommand(args);
  if (!found) {
    io.err(`cityplane: unknown command "${args.join(" ")}"`);
    usage(io);
    return 2;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (err) {
    io.err(`cityplane ${found.command.name.join(" ")}: ${(err as Error).message}`);
    return 1;
  }
}

function processIo(): CommandIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}
