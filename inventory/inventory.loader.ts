import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { z } from "zod";
import { checkInventory } from "./inventory-checks.ts";
import { formatPath, type InventoryProblem } from "./inventory-problem.ts";
import { inventorySchema, type Inventory } from "./inventory.schema.ts";
import { deepFreeze } from "../config/deep-freeze.ts";

/** A problem with its place in the file, ready to print. */
export interface LocatedProblem extends InventoryProblem {
  file: string;
  line: number;
  column: number;
}

export type LoadResult = { ok: true; inventory: Inventory } | { ok: false; problems: LocatedProblem[] };

export class InventoryError extends Error {
  override name = "InventoryError";
  constructor(readonly problems: LocatedProblem[]) {
    super(`${problems.length} problem(s) in the inventory:\n${problems.map(formatProblem).join("\n")}`);
  }
}

/** `danang.yaml:12:7: links[3].a.device: unknown device "x"` */
export function formatProblem(p: LocatedProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${formatPath(p.path)}: ${p.message}`;
}

/** Reads, parses and checks an inventory file; every problem is reported, none stops the others. */
export async function loadInventoryFile(file: string): Promise<LoadResult> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    return { ok: false, problems: [{ file, line: 0, column: 0, path: [], message: reason }] };
  }
  return parseInventory(source, basename(file));
}

/** Same as {@link loadInventoryFile} for text already in memory; `file` names it in messages. */
export function parseInventory(source: string, file: string): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, path: [], message: `YAML: ${e.message.split("\n")[0]}` };
      }),
    };
  }
  const locate = (p: InventoryProblem): LocatedProblem => {
    const offset = offsetOf(doc.contents, p.path);
    const pos = lineCounter.linePos(offset);
    return { ...p, file, line: pos.line, column: pos.col };
  };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // YAML alias bombs ("billion laughs") and the like end here, not in an exhausted process.
    return { ok: false, problems: [{ file, line: 1, column: 1, path: [], message: `YAML: ${(err as Error).message}` }] };
  }
  const parsed = inventorySchema.safeParse(data);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap(issueToProblems).map(locate) };
  const problems = checkInventory(parsed.data);
  if (problems.length > 0) return { ok: false, problems: problems.map(locate) };
  return { ok: true, inventory: deepFreeze(parsed.data) };
}

/** Loads an inventory or throws {@link InventoryError} listing every problem. */
export async function loadInventoryOrThrow(file: string): Promise<Inventory> {
  const result = await loadInventoryFile(file);
  if (!result.ok) throw new InventoryError(result.problems);
  return result.inventory;
}

function issueToProblems(issue: z.core.$ZodIssue): InventoryProblem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ path: [...path, k], message: "unknown key" }));
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) return [{ path, message: "is required" }];
  if (issue.code === "invalid_type") return [{ path, message: `must be ${article(issue.expected)}` }];
  if (issue.code === "invalid_value") return [{ path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
  return [{ path, message: lowerFirst(issue.message) }];
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Offset in the source of the deepest node on `path` that exists (a missing key points at its parent). */
function offsetOf(root: unknown, path: readonly (string | number)[]): number {
  let node = root as Node | null;
  let best = node?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === seg);
      if (!pair) break;
      const keyNode = pair.key as Node;
      best = keyNode.range?.[0] ?? best;
      node = pair.value as Node | null;
      if (node?.range && !isScalar(node)) continue;
      if (node?.range) best = node.range[0];
    } else if (isSeq(node)) {
      const item = node.items[seg as number] as Node | undefined;
      if (!item) break;
      node = item;
      best = item.range?.[0] ?? best;
    } else break;
  }
  return best;
}
