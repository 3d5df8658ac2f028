import { runAgent } from "../../agents/main.ts";
import type { Command } from "../command.ts";

export const agentCommand: Command = {
  name: ["agent"],
  usage: "cityplane agent --config FILE [--listen HOST:PORT]",
  summary: "run an agent: SNMP polling, traps, syslog, /snmp and /probe endpoints (default 127.0.0.1:9117)",
  async run(args, io) {
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      return await runAgent(args, io, stop.signal);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
