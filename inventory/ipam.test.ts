import { describe, expect, it } from "vitest";
import { allocateLink, nextFreeVlan, PrefixAllocator } from "./ipam.ts";

const ipPlan = {
  loopbacks: { ipv4: "10.0.0.0/24" },
  pointToPoint: { ipv4: "10.255.0.0/29", ipv6: "2001:db8:ff::/124" },
  management: { ipv4: "10.10.0.0/16" },
  wifiClients: { ipv4: "100.64.0.0/10" },
  linkVlans: { from: 100, to: 102 },
};
const link = (name: string, a: string, b: string, ipv4: string, vlan: number, ipv6?: string) => ({
  name, kind: "metro" as const, a: { device: a, interface: "x" }, b: { device: b, interface: "y" }, bandwidthMbps: 100, vlan, ipv4, ipv6,
});

describe("IPAM", () => {
  it("hands out the lowest free /31, skipping claimed ones, deterministically", () => {
    const alloc = new PrefixAllocator("10.255.0.0/29", 31);
    alloc.claim("10.255.0.2/31");
    expect([alloc.next(), alloc.next(), alloc.next()]).toEqual(["10.255.0.0/31", "10.255.0.4/31", "10.255.0.6/31"]);
    expect(() => alloc.next()).toThrow("pool 10.255.0.0/29 has no free /31 left");
  });

  it("cuts IPv6 /127s (RFC 6164) from a pool", () => {
    const alloc = new PrefixAllocator("2001:db8:ff::/124", 127);
    alloc.claim("2001:db8:ff::/127");
    expect(alloc.next()).toBe("2001:db8:ff::2/127");
  });

  it("allocates a new link's /31, /127 and a VLAN free on both devices", () => {
    const links = [link("l1", "r1", "core", "10.255.0.0/31", 100, "2001:db8:ff::/127"), link("l2", "r2", "core", "10.255.0.2/31", 101)];
    expect(allocateLink({ links, ipPlan }, "r3", "core")).toEqual({ ipv4: "10.255.0.4/31", ipv6: "2001:db8:ff::2/127", vlan: 102 });
    // r3–r4 share no device with the existing links: VLAN 100 is free for them.
    expect(nextFreeVlan({ links, ipPlan }, ["r3", "r4"])).toBe(100);
  });

  it("says which devices ran out of VLANs", () => {
    const links = [link("l1", "a", "b", "10.255.0.0/31", 100), link("l2", "a", "c", "10.255.0.2/31", 101), link("l3", "a", "d", "10.255.0.4/31", 102)];
    expect(() => nextFreeVlan({ links, ipPlan }, ["a", "e"])).toThrow("no free VLAN in 100-102 on a, e");
  });

  it("refuses a prefix length the pool cannot hold", () => {
    expect(() => new PrefixAllocator("10.0.0.0/24", 16)).toThrow("cannot cut /16 prefixes from 10.0.0.0/24");
  });
});
