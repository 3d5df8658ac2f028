import { describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import { deviceAddress, serviceAddress } from "./sim-addressing.ts";
import { simSecrets } from "./sim-credentials.ts";
import { listSimCity } from "./sim-listing.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");

describe("addressing", () => {
  it.each([
    ["10.10.0.1", "127.10", "127.10.0.1"],
    ["10.10.3.56", "127.21", "127.21.3.56"],
    ["10.10.1.8", "127.23", "127.23.1.8"],
  ])("%s with prefix %s listens on %s", (mgmt, prefix, expected) => {
    expect(deviceAddress(mgmt, prefix)).toBe(expected);
  });
  it.each([
    ["10.10.0.1", "10.0", /must be "127.N"/],
    ["10.10.0.1", "127.256", /must be "127.N"/],
    ["10.10.250.3", "127.10", /reserved for the simulated services/],
    ["not-an-ip", "127.10", /not an IPv4 address/],
  ])("%s with prefix %s is refused", (mgmt, prefix, message) => {
    expect(() => deviceAddress(mgmt, prefix)).toThrow(message);
  });
  it("puts services on x.x.250.N", () => expect(serviceAddress(0, "127.22")).toBe("127.22.250.1"));
});

describe("listing", () => {
  it("lists every device with its own loopback address, and every service and k8s node", () => {
    const l = listSimCity(inventory, { seed: 7, addressPrefix: "127.21" });
    expect(l.devices).toHaveLength(inventory.devices.length);
    expect(new Set(l.devices.map((d) => d.snmp.host)).size).toBe(inventory.devices.length);
    expect(l.services).toHaveLength(inventory.services.length);
    expect(l.nodes.map((n) => n.name)).toEqual(inventory.devices.filter((d) => d.role === "k8s-node").map((d) => d.name));
    const core = l.devices.find((d) => d.name === "dc-core-1");
    expect(core?.snmp).toMatchObject({ host: "127.21.0.1", port: 1161, v3: { user: "netops", authProtocol: "sha", privProtocol: "aes" } });
    expect(core?.ssh).toMatchObject({ host: "127.21.0.1", port: 2222, username: "netops" });
    // Firewalls have no SSH credential in the inventory, so the simulator offers no SSH on them.
    expect(l.devices.find((d) => d.role === "firewall")?.ssh).toBeUndefined();
    expect(l.services.find((s) => s.name === "portal")?.url).toBe("https://127.21.250.1:8443/");
  });

  it("gives the same credentials for the same seed and different ones for another seed", () => {
    expect(listSimCity(inventory, { seed: 3 })).toEqual(listSimCity(inventory, { seed: 3 }));
    const a = simSecrets(3, inventory);
    const b = simSecrets(4, inventory);
    for (const name of ["snmp-v3-netops", "ssh-netops", "ssh-wlc", "snmp-community"]) expect(a[name]).not.toEqual(b[name]);
  });

  it("starts only the chosen subset when asked", () => {
    const l = listSimCity(inventory, { seed: 1, devices: (d) => d.role === "core-router" });
    expect(l.devices.map((d) => d.name)).toEqual(["dc-core-1", "dc-core-2"]);
  });
});
