import { describe, expect, it } from "vitest";
import type { Target } from "../../protocol/assignment.schema.ts";
import { AssignmentService } from "./assignment.service.ts";

const targets: Target[] = Array.from({ length: 120 }, (_, i) => ({
  kind: "snmp", id: `snmp:d-${i}`, device: `d-${i}`, host: "127.50.0.1", port: 1161, auth: "snmp-ro", modules: ["system"], intervalSeconds: 30,
}));

function owned(svc: AssignmentService, agent: string): string[] {
  return svc.assignmentOf(agent).targets.map((t) => t.id);
}

describe("AssignmentService", () => {
  it("gives a lone agent every target, then splits them without loss or overlap", () => {
    const svc = new AssignmentService(10_000);
    svc.setTargets(targets);
    const first = svc.connect("a", 0);
    expect(first.get("a")?.targets).toHaveLength(120);
    const second = svc.connect("b", 1);
    const a = owned(svc, "a");
    const b = owned(svc, "b");
    expect(a.length + b.length).toBe(120);
    expect(new Set([...a, ...b]).size).toBe(120);
    expect([...second.keys()].sort()).toEqual(["a", "b"]);
    expect(second.get("b")!.version).toBeGreaterThan(first.get("a")!.version);
  });

  it("moves a silent agent's targets within two intervals and takes it back when it speaks", () => {
    const svc = new AssignmentService(10_000);
    svc.setTargets(targets);
    svc.connect("a", 0);
    svc.connect("b", 0);
    // a keeps talking, b falls silent.
    for (let t = 5_000; t <= 20_000; t += 5_000) {
      svc.heard("a", t);
      expect(svc.sweep(t).size).toBe(0);
    }
    svc.heard("a", 25_000);
    const moved = svc.sweep(25_000);
    expect(moved.get("a")?.targets).toHaveLength(120);
    expect(owned(svc, "b")).toEqual([]);
    const back = svc.heard("b", 26_000);
    expect(back.get("b")!.targets.length).toBeGreaterThan(0);
    expect(owned(svc, "a").length + owned(svc, "b").length).toBe(120);
  });

  it("pushes only to agents whose share changed when a third joins", () => {
    const svc = new AssignmentService();
    svc.setTargets(targets);
    for (const a of ["a", "b", "c"]) svc.connect(a, 0);
    const before = new Map(["a", "b", "c"].map((a) => [a, owned(svc, a)]));
    const push = svc.connect("d", 0);
    for (const a of ["a", "b", "c"]) {
      const now = owned(svc, a);
      // Consistent hashing: an old agent only loses targets to the newcomer, never gains.
      expect(now.every((t) => before.get(a)!.includes(t))).toBe(true);
      expect(push.has(a)).toBe(now.length !== before.get(a)!.length);
    }
    expect(push.has("d")).toBe(true);
  });

  it("hands a leaver's targets to the others and nothing to nobody", () => {
    const svc = new AssignmentService();
    svc.setTargets(targets);
    svc.connect("a", 0);
    svc.connect("b", 0);
    const push = svc.disconnect("b");
    expect(push.get("a")?.targets).toHaveLength(120);
    expect(svc.disconnect("b").size).toBe(0);
    svc.disconnect("a");
    expect(svc.assignedCount).toBe(0);
  });
});
