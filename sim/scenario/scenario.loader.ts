import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parse } from "yaml";
import type { Inventory } from "../../inventory/inventory.schema.ts";
import { durationMs, scenarioSchema, type Scenario } from "./scenario.schema.ts";

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; problems: string[] };

const path = (p: readonly PropertyKey[]): string => p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");

/** Checks names against the inventory and times against the period; every problem is listed. */
function crossCheck(s: Scenario, inv: Inventory): string[] {
  const problems: string[] = [];
  const devices = new Map(inv.devices.map((d) => [d.name, d]));
  const links = new Set(inv.links.map((l) => l.name));
  const aps = new Set(inv.hotspots.map((h) => h.name));
  const services = new Set(inv.services.map((x) => x.id));
  const period = durationMs(s.period);
  const need = (ok: boolean, where: string, msg: string): void => {
    if (!ok) problems.push(`${where}: ${msg}`);
  };
  s.steps.forEach((st, i) => {
    const at = `steps[${i}]`;
    need(durationMs(st.at) < period, `${at}.at`, `starts after the end of the period (${s.period})`);
    if ("for" in st && st.for !== undefined) need(durationMs(st.at) + durationMs(st.for) <= period, `${at}.for`, "lasts beyond the end of the period");
    if ("link" in st) need(links.has(st.link), `${at}.link`, `unknown link "${st.link}"`);
    if ("ap" in st) need(aps.has(st.ap), `${at}.ap`, `unknown hotspot "${st.ap}"`);
    if ("controller" in st) need(devices.get(st.controller)?.role === "wlc", `${at}.controller`, `"${st.controller}" is not a Wi-Fi controller`);
    if ("service" in st) need(services.has(st.service), `${at}.service`, `unknown service "${st.service}"`);
    if ("node" in st) need(["k8s-node", "server"].includes(devices.get(st.node)?.role ?? ""), `${at}.node`, `"${st.node}" is not a server or k8s node`);
    if ("device" in st) {
      const d = devices.get(st.device);
      need(d !== undefined, `${at}.device`, `unknown device "${st.device}"`);
      if (d && (st.action === "ssh-brute-force" || st.action === "config-change" || st.action === "unsaved-config")) need(d.credentials.ssh !== undefined, `${at}.device`, `"${st.device}" has no SSH access`);
    }
    if ("seen" in st) need(devices.has(st.seen.device), `${at}.seen.device`, `unknown device "${st.seen.device}"`);
  });
  return problems;
}

/** Parses and checks a scenario text; `file` names it in messages. */
export function parseScenario(text: string, file: string, inventory: Inventory): ScenarioResult {
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    return { ok: false, problems: [`${file}: YAML: ${(err as Error).message.split("\n")[0]}`] };
  }
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${file}: ${i.path.length ? `${path(i.path)}: ` : ""}${i.message}`) };
  const problems = crossCheck(parsed.data, inventory).map((p) => `${file}: ${p}`);
  return problems.length ? { ok: false, problems } : { ok: true, scenario: parsed.data };
}

/** Reads a scenario file (see {@link parseScenario}). */
export async function loadScenarioFile(file: string, inventory: Inventory): Promise<ScenarioResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    return { ok: false, problems: [`${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`] };
  }
  return parseScenario(text, basename(file), inventory);
}
