import { describe, expect, it } from "vitest";
import type { Link } from "../../inventory/inventory.schema.ts";
import type { CityEvent } from "../../protocol/event.schema.ts";
import { compareTopology } from "./topology.ts";

const link = (name: string, a: string, b: string): Link => ({ name, kind: "metro", a: { device: a, interface: "x" }, b: { device: b, interface: "y" }, bandwidthMbps: 1000, vlan: 100, ipv4: "10.255.0.0/31" });
const seen = (local: string, attributes: CityEvent["attributes"], ts = 1): CityEvent => ({ id: `topo-${local}-${JSON.stringify(attributes)}`, ts, kind: "topology", type: "lldpNeighbour", severity: "info", security: false, agent: "a", entity: { kind: "device", name: local }, message: "", attributes });

describe("compareTopology", () => {
  it("matches undirected adjacencies, strips LLDP domains, and reports missing and unexpected ones", () => {
    const links = [link("l1", "core-1", "dist-1"), link("l2", "dist-1", "ar-a"), link("l3", "dist-1", "ar-b")];
    const events = [
      seen("dist-1", { remoteDevice: "core-1" }, 5),
      seen("core-1", { remoteDevice: "dist-1" }, 9),
      seen("ar-a", { lldpRemSysName: "dist-1.danang.gov.vn" }),
      seen("ar-a", { remoteDevice: "rogue-switch" }),
      seen("ar-a", { remoteDevice: "ar-a" }),
      seen("ar-a", {}),
    ];
    const out = compareTopology(links, events);
    expect(out.matched).toEqual([
      { a: "core-1", b: "dist-1", link: "l1", lastSeenMs: 9 },
      { a: "dist-1", b: "ar-a", link: "l2", lastSeenMs: 1 },
    ]);
    expect(out.missing).toEqual([{ a: "dist-1", b: "ar-b", link: "l3" }]);
    expect(out.unexpected).toEqual([{ a: "ar-a", b: "rogue-switch", lastSeenMs: 1 }]);
  });
});
