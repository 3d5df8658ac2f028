import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HashRing, partition } from "./hash-ring.ts";

const targets = Array.from({ length: 600 }, (_, i) => `snmp:device-${i}`);

function owners(agents: string[]): Map<string, string | undefined> {
  const ring = new HashRing(agents);
  return new Map(targets.map((t) => [t, ring.owner(t)]));
}

describe("HashRing", () => {
  it("owns nothing when empty and everything when alone", () => {
    expect(new HashRing([]).owner("x")).toBeUndefined();
    expect([...owners(["a"]).values()].every((o) => o === "a")).toBe(true);
  });

  it.each([1, 2, 3, 5, 8])("moves only the newcomer's share when an agent joins %i others", (n) => {
    const agents = Array.from({ length: n }, (_, i) => `agent-${i}`);
    const before = owners(agents);
    const after = owners([...agents, "newcomer"]);
    const moved = targets.filter((t) => before.get(t) !== after.get(t));
    // Every move goes to the newcomer: no target changes hands between old agents.
    expect(moved.every((t) => after.get(t) === "newcomer")).toBe(true);
    // About 1/(n+1) of the targets move; allow twice that for hashing variance.
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThanOrEqual((2 * targets.length) / (n + 1));
  });

  it("moves only the leaver's targets when an agent leaves (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 2, maxLength: 8 }), fc.nat(), (agents, pick) => {
        const leaver = agents[pick % agents.length]!;
        const rest = agents.filter((a) => a !== leaver);
        const before = new HashRing(agents);
        const after = new HashRing(rest);
        for (const t of targets.slice(0, 200)) {
          const was = before.owner(t);
          if (was !== leaver) expect(after.owner(t)).toBe(was);
          else expect(rest).toContain(after.owner(t));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("gives each of four agents a fair share (within ±35% of even)", () => {
    const shares = partition(targets, ["a", "b", "c", "d"]);
    for (const [, keys] of shares) {
      expect(keys.length).toBeGreaterThan(150 * 0.65);
      expect(keys.length).toBeLessThan(150 * 1.35);
    }
  });

  it("agrees with itself whatever the order agents are listed in", () => {
    const x = owners(["a", "b", "c"]);
    const y = owners(["c", "a", "b"]);
    expect([...x.entries()]).toEqual([...y.entries()]);
  });
});
