import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { checkInventory } from "./inventory-checks.ts";
import { formatPath, type InventoryProblem } from "./inventory-problem.ts";
import { inventorySchema, type Inventory } from "./inventory.schema.ts";
import { deepFreeze } from "../config/deep-freeze.ts";
import { describeIssues } from "../config/zod-issues.ts";

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
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path.length > 0 ? `${where}: ${formatPath(p.path)}: ${p.message}` : `${where}: ${p.message}`;
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
  const parsed = inventorySchema.safeParse(data, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: inDocumentOrder(describeIssues(parsed.error.issues).map(locate)) };
  const problems = checkInventory(parsed.data);
  if (problems.length > 0) return { ok: false, problems: inDocumentOrder(problems.map(locate)) };
  return { ok: true, inventory: deepFreeze(parsed.data) };
}

/** Loads an inventory or throws {@link InventoryError} listing every problem. */
export async function loadInventoryOrThrow(file: string): Promise<Inventory> {
  const result = await loadInventoryFile(file);
  if (!result.ok) throw new InventoryError(result.problems);
  return result.inventory;
}

function inDocumentOrder(problems: LocatedProblem[]): LocatedProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
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
