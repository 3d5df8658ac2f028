import { describe, expect, it } from "vitest";
import { entityOfLabels } from "./entity-mapping.ts";

describe("entityOfLabels", () => {
  const cases: [Record<string, string>, ReturnType<typeof entityOfLabels>][] = [
    [{ device: "hc-access-01", ifName: "Gi0/0/1" }, { kind: "interface", name: "hc-access-01/Gi0/0/1" }],
    [{ device: "dc-core-1" }, { kind: "device", name: "dc-core-1" }],
    [{ link: "dc-core-1--hc-dist-1", device: "dc-core-1" }, { kind: "link", name: "dc-core-1--hc-dist-1" }],
    [{ hotspot: "hs-hai-chau-001", device: "wlc-1" }, { kind: "hotspot", name: "hs-hai-chau-001" }],
    [{ service: "dichvucong", instance: "10.20.0.5:9100" }, { kind: "service", name: "dichvucong" }],
    [{ job: "node" }, undefined],
  ];
  it.each(cases)("%o → %o", (labels, expected) => {
    expect(entityOfLabels(labels)).toEqual(expected);
  });
});
