/**
 * The static target file: a YAML list of Targets (protocol/assignment.schema.ts), the supported
 * mode for small sites without a control plane. Errors name the entry and field.
 */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import { describeIssues } from "../../config/zod-issues.ts";
import { targetSchema, type Target } from "../../protocol/assignment.schema.ts";

export type TargetFileResult = { ok: true; targets: Target[] } | { ok: false; errors: string[] };

/** What a target may reference must exist in the agent: its auth and modules. */
export interface TargetRefs {
  auths: ReadonlySet<string>;
  snmpModules: ReadonlySet<string>;
  probeModules: ReadonlySet<string>;
  /** SSH credential names; absent means ssh targets are checked against none. */
  sshAuths?: ReadonlySet<string>;
}

/** Parses a target file's text and checks every reference; all problems are listed together. */
export function parseTargetFile(text: string, name: string, refs: TargetRefs): TargetFileResult {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => `${name}: ${e.message.split("\n")[0]}`) };
  const parsed = z.array(targetSchema).safeParse(doc.toJS() ?? [], { reportInput: true });
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error.issues).map(({ path, message }) => `${name}: ${formatPath(path)}: ${message}`) };
  const errors = targetRefProblems(parsed.data, refs).map((p) => `${name}: ${p}`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, targets: parsed.data };
}

/** Problems of a target list against what this agent has: duplicate ids, unknown auths and modules. */
export function targetRefProblems(targets: readonly Target[], refs: TargetRefs): string[] {
  const errors: string[] = [];
  const ids = new Set<string>();
  targets.forEach((t, i) => {
    if (ids.has(t.id)) errors.push(`[${i}].id: "${t.id}" is used twice`);
    ids.add(t.id);
    if (t.kind === "snmp") {
      if (!refs.auths.has(t.auth)) errors.push(`[${i}].auth: no auth named "${t.auth}" in the agent config`);
      t.modules.forEach((m, j) => {
        if (!refs.snmpModules.has(m)) errors.push(`[${i}].modules[${j}]: unknown SNMP module "${m}" (known: ${[...refs.snmpModules].join(", ")})`);
      });
    } else if (t.kind === "probe" && !refs.probeModules.has(t.module)) {
      errors.push(`[${i}].module: unknown probe module "${t.module}"`);
    } else if (t.kind === "ssh" && !(refs.sshAuths?.has(t.auth) ?? false)) {
      errors.push(`[${i}].auth: no SSH auth named "${t.auth}" in the agent config (sshAuths)`);
    }
  });
  return errors;
}

/** Reads and parses a target file. */
export function loadTargetFile(file: string, refs: TargetRefs): TargetFileResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { ok: false, errors: [`${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`] };
  }
  return parseTargetFile(text, file, refs);
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(top level)";
}
