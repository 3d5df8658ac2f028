import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { configSchema, ENV_NOT_CONFIG, ENV_OVERRIDES, type CityplaneConfig } from "./config.schema.ts";
import { deepFreeze } from "./deep-freeze.ts";
import { describeIssues } from "./zod-issues.ts";

export type { CityplaneConfig } from "./config.schema.ts";

export type ConfigResult = { ok: true; config: Readonly<CityplaneConfig>; source: string } | { ok: false; errors: string[] };

export interface ConfigSources {
  /** Explicit file; otherwise `$CITYPLANE_CONFIG`, otherwise `cityplane.yaml` in cwd if present. */
  file?: string;
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * Parses the configuration once, at the edge: file, then `CITYPLANE_*` overrides, then the
 * schema with its defaults. Every error is collected and returned together; the result is frozen.
 */
export function loadConfig({ file, env, cwd }: ConfigSources): ConfigResult {
  const errors: string[] = [];
  const explicit = file ?? env.CITYPLANE_CONFIG;
  const path = resolve(cwd, explicit ?? "cityplane.yaml");
  let raw: Record<string, unknown> = {};
  let source = "defaults";
  try {
    const text = readFileSync(path, "utf8");
    const parsed: unknown = parse(text);
    source = path;
    if (parsed === null || parsed === undefined) raw = {};
    else if (typeof parsed !== "object" || Array.isArray(parsed)) errors.push(`${path}: must be a mapping of settings`);
    else raw = parsed as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" || explicit !== undefined) {
      errors.push(`${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message.split("\n")[0]}`);
    }
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("CITYPLANE_") || value === undefined || ENV_NOT_CONFIG.has(name)) continue;
    const override = ENV_OVERRIDES[name];
    if (!override) {
      errors.push(`environment ${name}: unknown variable (known: ${Object.keys(ENV_OVERRIDES).join(", ")})`);
      continue;
    }
    const converted = convert(value, override.type);
    if (converted === undefined) errors.push(`environment ${name}: must be ${override.type === "int" ? "an integer" : override.type === "bool" ? "true or false" : `a ${override.type}`}, got "${value}"`);
    else setPath(raw, override.path, converted);
  }

  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const { path, message } of describeIssues(parsed.error.issues)) errors.push(`${source}: ${path.join(".") || "(top level)"}: ${message}`);
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  const config = parsed.data;
  config.dataDir = resolve(cwd, config.dataDir);
  config.inventory = resolve(cwd, config.inventory);
  if (config.sim.scenario !== undefined) config.sim.scenario = resolve(cwd, config.sim.scenario);
  return { ok: true, config: deepFreeze(config), source };
}

function convert(value: string, type: "string" | "int" | "number" | "bool"): unknown {
  switch (type) {
    case "string":
      return value;
    case "int":
      return /^-?\d+$/.test(value) ? Number(value) : undefined;
    case "number":
      return value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : undefined;
    case "bool":
      return value === "true" || value === "1" ? true : value === "false" || value === "0" ? false : undefined;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
