import { loadConfig } from "../../config/config.ts";
import { formatProblem, loadInventoryFile } from "../../inventory/inventory.loader.ts";
import type { Command } from "../command.ts";

export const checkConfigCommand: Command = {
  name: ["check-config"],
  usage: "cityplane check-config [--config FILE]",
  summary: "check the configuration and the inventory it names; list every error at once",
  async run(args, io) {
    const i = args.indexOf("--config");
    const file = i >= 0 ? args[i + 1] : undefined;
    const result = loadConfig({ file, env: io.env, cwd: io.cwd });
    if (!result.ok) {
      for (const e of result.errors) io.err(e);
      io.err(`${result.errors.length} configuration error${result.errors.length === 1 ? "" : "s"}`);
      return 1;
    }
    const inv = await loadInventoryFile(result.config.inventory);
    if (!inv.ok) {
      for (const p of inv.problems) io.err(formatProblem(p));
      io.err(`configuration ok (${result.source}); inventory has ${inv.problems.length} problem(s)`);
      return 1;
    }
    io.out(`configuration ok (${result.source})`);
    io.out(JSON.stringify(result.config, null, 2));
    return 0;
  },
};
