import { loadConfig } from "../../config/config.ts";
import { formatProblem, loadInventoryFile } from "../../inventory/inventory.loader.ts";
import type { Command } from "../command.ts";
import { formatSummary } from "../inventory-summary.ts";

export const startCommand: Command = {
  name: ["start"],
  usage: "cityplane start",
  summary: "run cityplane on the simulated city (all in one)",
  async run(_args, io) {
    const cfg = loadConfig({ env: io.env, cwd: io.cwd });
    if (!cfg.ok) {
      for (const e of cfg.errors) io.err(e);
      return 1;
    }
    const inv = await loadInventoryFile(cfg.config.inventory);
    if (!inv.ok) {
      for (const p of inv.problems) io.err(formatProblem(p));
      return 1;
    }
    for (const line of formatSummary(inv.inventory)) io.out(line);
    return 0;
  },
};
