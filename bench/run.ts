/**
 * `npm run bench [-- --quick] [-- NAME…]`: runs every bench/*.bench.ts (or those named), one at a
 * time so they do not compete for the two cores, prints a table and writes
 * bench/results/<name>.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchModule, BenchResult } from "./bench.ts";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((n) => f.startsWith(n)))
  .sort();

mkdirSync(join(here, "results"), { recursive: true });
const results: BenchResult[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  const started = Date.now();
  process.stderr.write(`bench ${file} …\n`);
  let result: BenchResult;
  try {
    result = await mod.run({ quick });
  } catch (err) {
    result = { name: file.replace(/\.bench\.ts$/, ""), metrics: {}, notes: `failed: ${(err as Error).stack ?? err}` };
    process.exitCode = 1;
  }
  const record = { ...result, quick, node: process.version, at: new Date().toISOString(), wallSeconds: (Date.now() - started) / 1000 };
  writeFileSync(join(here, "results", `${result.name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  results.push(result);
}

for (const r of results) {
  console.log(`\n## ${r.name}${r.skipped ? `  (skipped: ${r.skipped})` : ""}`);
  for (const [k, v] of Object.entries(r.metrics)) console.log(`  ${k.padEnd(48)} ${formatNumber(v)}`);
  if (r.notes) console.log(`  ${r.notes}`);
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(4);
}
