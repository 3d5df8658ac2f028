/** Where a command writes; tests pass buffers, main.ts passes the process streams. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** One `cityplane` subcommand. `run` returns the process exit code. */
export interface Command {
  /** Words that select it, e.g. `["inventory", "validate"]`. */
  name: string[];
  usage: string;
  summary: string;
  run(args: string[], io: CommandIo): Promise<number>;
}
