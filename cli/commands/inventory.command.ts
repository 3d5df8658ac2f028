import { stringify } from "yaml";
import { loadConfig } from "../../config/config.ts";
import { formatProblem, loadInventoryFile } from "../../inventory/inventory.loader.ts";
import type { Inventory } from "../../inventory/inventory.schema.ts";
import type { Command, CommandIo } from "../command.ts";
import { formatSummary, inventorySummary } from "../inventory-summary.ts";
import { resolve } from "node:path";

/** The inventory named on the command line (or by the configuration), or undefined after printing why not. */
async function loadOrReport(args: string[], io: CommandIo): Promise<Inventory | undefined> {
  const file = await resolveFile(args, io);
  if (file === undefined) return undefined;
  const result = await loadInventoryFile(file);
  if (result.ok) return result.inventory;
  for (const p of result.problems) io.err(formatProblem(p));
  io.err(`${result.problems.length} problem${result.problems.length === 1 ? "" : "s"} found`);
  return undefined;
}

async function resolveFile(args: string[], io: CommandIo): Promise<string | undefined> {
  const file = args.find((a) => !a.startsWith("-"));
  if (file !== undefined) return resolve(io.cwd, file);
  const cfg = loadConfig({ env: io.env, cwd: io.cwd });
  if (!cfg.ok) {
    for (const e of cfg.errors) io.err(e);
    return undefined;
  }
  return cfg.config.inventory;
}

export const inventoryValidateCommand: Command = {
  name: ["inventory", "validate"],
  usage: "cityplane inventory validate [FILE] [--json]",
  summary: "check an inventory file and print its counts; exit 1 listing every problem",
  async run(args, io) {
    const inventory = await loadOrReport(args, io);
    if (inventory === undefined) return 1;
    if (args.includes("--json")) io.out(JSON.stringify(inventorySummary(inventory), null, 2));
    else for (const line of ["valid", ...formatSummary(inventory)]) io.out(line);
    return 0;
  },
};

export const inventoryShowCommand: Command = {
  name: ["inventory", "show"],
  usage: "cityplane inventory show [FILE] [--json]",
  summary: "print the inventory with every default filled in",
  async run(args, io) {
    const inventory = await loadOrReport(args, io);
    if (inventory === undefined) return 1;
    io.out(args.includes("--json") ? JSON.stringify(inventory, null, 2) : stringify(inventory, { lineWidth: 0, aliasDuplicateObjects: false }));
    return 0;
  },
};
