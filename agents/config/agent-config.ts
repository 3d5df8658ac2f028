/**
 * Loads the agent configuration once, at the edge: YAML → schema → module checks → frozen
 * object. Every problem is reported together with its path; weak-but-accepted settings come
 * back as security findings for the control plane's SOC queue.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { describeIssues } from "../../config/zod-issues.ts";
import { deepFreeze } from "../../config/deep-freeze.ts";
import { parseProbeModule } from "../probes/probe-registry.ts";
import { agentConfigSchema, type AgentConfig } from "./agent-config.schema.ts";

export type AgentConfigResult = { ok: true; config: Readonly<AgentConfig>; findings: string[] } | { ok: false; errors: string[] };

/** Parses agent configuration text; `name` prefixes every error (a file name). */
export function parseAgentConfig(text: string, name: string, baseDir: string): AgentConfigResult {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `${name}: ${e.message.split("\n")[0]}`) };
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, errors: [`${name}: must be a mapping of settings`] };
  const parsed = agentConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error.issues).map(({ path, message }) => `${name}: ${path.join(".") || "(top level)"}: ${message}`) };
  const config = parsed.data;
  const errors: string[] = [];
  for (const [mod, def] of Object.entries(config.modules.probe)) {
    try {
      config.modules.probe[mod] = parseProbeModule(def);
    } catch (err) {
      errors.push(`${name}: modules.probe.${mod}: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (config.targets !== undefined) config.targets = resolve(baseDir, config.targets);
  config.dataDir = resolve(baseDir, config.dataDir);
  if (config.controlPlane?.tokenFile !== undefined) config.controlPlane.tokenFile = resolve(baseDir, config.controlPlane.tokenFile);
  for (const a of Object.values(config.sshAuths)) if (a.privateKeyFile !== undefined) a.privateKeyFile = resolve(baseDir, a.privateKeyFile);
  return { ok: true, config: deepFreeze(config), findings: securityFindings(config) };
}

/** Reads and parses the agent configuration file. */
export function loadAgentConfig(file: string): AgentConfigResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, errors: [`${file}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`] };
  }
  return parseAgentConfig(text, file, dirname(file));
}

/** Settings that are accepted but weaken security; each becomes a finding event. */
export function securityFindings(config: AgentConfig): string[] {
  const findings: string[] = [];
  for (const [name, auth] of Object.entries(config.auths)) {
    if (auth.version === "2c") findings.push(`auth "${name}" uses SNMPv2c: the community travels in clear text`);
    else if (auth.legacy) findings.push(`auth "${name}" is marked legacy (${[auth.securityLevel, auth.authProtocol, auth.privProtocol].filter((x) => x !== undefined).join("/")})`);
  }
  return findings;
}
