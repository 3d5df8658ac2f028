import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DELIVERY_ORDER, LANES, type Lane } from "./record-queue.ts";
import { Spool } from "./spool.ts";

/**
 * Property test: random append / deliver / restart / corrupt / fill sequences against a model
 * (RELIABILITY.md spool table). The model follows the drops the spool reports; any record the
 * spool holds or lacks that the model does not predict is a divergence.
 */
type Command =
  | { op: "append"; lane: Lane; size: number }
  | { op: "deliver" }
  | { op: "restart" }
  | { op: "corrupt"; lane: Lane; how: "torn" | "bad_crc" | "bad_length" }
  | { op: "fill"; size: number };

const laneArb = fc.constantFrom<Lane>(...LANES);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("append" as const), lane: laneArb, size: fc.integer({ min: 10, max: 700 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: "deliver" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "restart" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("corrupt" as const), lane: laneArb, how: fc.constantFrom("torn" as const, "bad_crc" as const, "bad_length" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fill" as const), size: fc.integer({ min: 100, max: 900 }) }) },
);

const RANK: Record<Lane, number> = { samples: 0, events: 1, priority: 2 };

async function laneSegments(dir: string, lane: Lane): Promise<string[]> {
  return (await readdir(join(dir, lane))).filter((n) => n.endsWith(".seg")).sort();
}

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const lane of LANES) for (const n of await laneSegments(dir, lane)) total += (await stat(join(dir, lane, n))).size;
  return total;
}

describe("Spool against a model (fast-check)", () => {
  it("0 divergences; disk never over its cap; order kept per lane", async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4096, max: 16384 }), fc.integer({ min: 512, max: 2048 }), fc.array(commandArb, { minLength: 1, maxLength: 40 }), async (cap, segmentBytes, commands) => {
        runs++;
        const dir = await mkdtemp(join(tmpdir(), "cityplane-spool-prop-"));
        const model = new Map<Lane, number[]>(LANES.map((l) => [l, []]));
        let drops: { lane: Lane; items: number }[] = [];
        let damage = 0;
        let nextId = 1;
        const open = (): Promise<Spool> =>
          Spool.open({ dir, maxBytes: cap, segmentBytes, onDrop: (lane, items) => drops.push({ lane, items }), onDamage: () => void damage++ });
        let spool = await open();
        const append = async (lane: Lane, size: number): Promise<void> => {
          const id = nextId++;
          drops = [];
          const body = new TextEncoder().encode(`${id}:`.padEnd(size, "."));
          const ok = await spool.append(lane, 1, body).then(() => true, () => false);
          if (!ok) drops.pop(); // the refused record itself
          for (const d of drops) {
            // Only lanes no more important than the new record's may be dropped, cheapest first.
            expect(RANK[d.lane]).toBeLessThanOrEqual(RANK[lane]);
            for (const cheaper of LANES.filter((l) => RANK[l] < RANK[d.lane])) expect(model.get(cheaper)).toEqual([]);
            (model.get(d.lane) as number[]).splice(0, d.items);
          }
          if (ok) (model.get(lane) as number[]).push(id);
        };
        try {
          for (const cmd of commands) {
            if (cmd.op === "append") await append(cmd.lane, cmd.size);
            else if (cmd.op === "fill") for (let i = 0; i < 10; i++) await append("samples", cmd.size);
            else if (cmd.op === "deliver") {
              const r = await spool.next();
              const lane = DELIVERY_ORDER.find((l) => (model.get(l) as number[]).length > 0);
              expect(r?.lane).toBe(lane);
              if (r && lane) {
                expect(Number(new TextDecoder().decode(r.payload).split(":")[0])).toBe(model.get(lane)?.[0]);
                await spool.ack(r);
                model.get(lane)?.shift();
              }
            } else {
              await spool.close();
              if (cmd.op === "corrupt" && (model.get(cmd.lane) as number[]).length > 0) {
                // The newest record of the lane is the last one in its last segment.
                const segs = await laneSegments(dir, cmd.lane);
                const file = join(dir, cmd.lane, segs[segs.length - 1] as string);
                const buf = await readFile(file);
                let pos = 0;
                let last = 0;
                while (pos < buf.length) {
                  last = pos;
                  pos += 12 + buf.readUInt32LE(pos);
                }
                if (cmd.how === "torn") await truncate(file, buf.length - 1 - ((buf.length - last - 1) >> 1));
                else {
                  if (cmd.how === "bad_crc") buf[buf.length - 1] = (buf[buf.length - 1] as number) ^ 0x40;
                  else buf.writeUInt32LE(0x7ffffff0, last);
                  await writeFile(file, buf);
                }
                (model.get(cmd.lane) as number[]).pop();
                const before = damage;
                spool = await open();
                expect(damage).toBe(before + 1);
              } else spool = await open();
            }
            const disk = await diskBytes(dir);
            expect(disk).toBeLessThanOrEqual(cap);
            expect(spool.bytes).toBe(disk);
          }
          // Finally everything the model holds comes out, in delivery order, and nothing else.
          const got: number[] = [];
          for (let r = await spool.next(); r; r = await spool.next()) {
            got.push(Number(new TextDecoder().decode(r.payload).split(":")[0]));
            await spool.ack(r);
          }
          expect(got).toEqual(DELIVERY_ORDER.flatMap((l) => model.get(l) as number[]));
          expect(await diskBytes(dir)).toBe(0);
        } finally {
          await spool.close().catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
    expect(runs).toBe(60);
  });
});
