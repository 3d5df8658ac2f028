/**
 * Test support for spool.crash.test.ts: appends numbered records to a spool as fast as it can
 * and prints each number on stdout only after `append` resolved, until it is killed.
 * Usage: node --import tsx spool-crash-writer.ts <dir> <first number>
 */
import { Spool } from "./spool.ts";

const [dir, first] = process.argv.slice(2);
if (!dir || !first) throw new Error("usage: spool-crash-writer.ts <dir> <first number>");
const spool = await Spool.open({ dir, maxBytes: 64 << 20, segmentBytes: 64 << 10 });
for (let n = Number(first); ; n++) {
  // Sizes vary so a kill lands anywhere inside a record, header or payload.
  const body = new TextEncoder().encode(`${n}:`.padEnd(20 + ((n * 7919) % 3000), "#"));
  await spool.append(n % 5 === 0 ? "priority" : "samples", 1, body);
  process.stdout.write(`${n}\n`);
}
