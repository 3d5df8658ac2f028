import { describe, expect, it } from "vitest";
import type { Link } from "../../inventory/inventory.schema.ts";
import type { CityEvent } from "../../protocol/event.schema.ts";
import { compareTopology } from "./topology.ts";

const link = (name: string, a: string, b: string): Link => ({ name, kind: "metro", a: { device: a, interface: `to-${b}` }, b: { device: b, interface: `to-${a}` }, bandwidthMbps: 1000, vlan: 100, ipv4: "10.255.0.0/31" });
let n = 0;
/** A topology event as the agent sends it: the device's full neighbour set as JSON. */
const set = (device: string, ts: number, neighbours: { localPort: string; remoteSystem: string; remotePort: string }[]): CityEvent => ({
  id: `agent:${device}:${ts}:lldp:${n++}`, ts, kind: "topology", type: "lldp-neighbours", severity: "info", security: false, agent: "agent", entity: { kind: "device", name: device },
  message: "", attributes: { neighbours: JSON.stringify(neighbours), count: neighbours.length },
});

describe("compareTopology", () => {
  const links = [link("l1", "core-1", "dist-1"), link("l2", "dist-1", "ar-a"), link("l3", "dist-1", "ar-b")];

  it("matches declared links seen from either end, strips LLDP domains, and lists what is missing or unexpected", () => {
    const events = [
      set("dist-1", 10, [{ localPort: "to-core-1", remoteSystem: "core-1.danang.gov.vn", remotePort: "to-dist-1" }]),
      set("ar-a", 5, [{ localPort: "to-dist-1", remoteSystem: "dist-1", remotePort: "to-ar-a" }, { localPort: "Gi0/1", remoteSystem: "rogue-switch", remotePort: "1" }]),
      { ...set("x", 1, []), attributes: { neighbours: "not json" } },
    ];
    const out = compareTopology(links, events);
    expect(out.matched.map((m) => [m.link, m.lastSeenMs])).toEqual([["l1", 10], ["l2", 5]]);
    expect(out.missing.map((m) => m.link)).toEqual(["l3"]);
    expect(out.unexpected).toEqual([{ a: "ar-a", aPort: "Gi0/1", b: "rogue-switch", bPort: "1", lastSeenMs: 5 }]);
    expect(out.observedDevices).toBe(2);
  });

  it("takes a device's newest neighbour set as current: a re-patched port shows the old link missing and the new one unexpected", () => {
    const events = [
      // Newest first, as the store answers.
      set("ar-b", 20, [{ localPort: "to-dist-1", remoteSystem: "ar-a", remotePort: "Gi0/2" }]),
      set("ar-b", 10, [{ localPort: "to-dist-1", remoteSystem: "dist-1", remotePort: "to-ar-b" }]),
    ];
    const out = compareTopology(links, events);
    expect(out.missing.map((m) => m.link)).toEqual(["l1", "l2", "l3"]);
    expect(out.unexpected).toEqual([{ a: "ar-a", aPort: "Gi0/2", b: "ar-b", bPort: "to-dist-1", lastSeenMs: 20 }]);
  });
});
