import { describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { SimNetwork } from "../model/sim-network.ts";
import { ManualSimClock } from "../sim-clock.ts";
import { IosCli, resolveInterface } from "./ios-cli.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");

function cli(device = "dist-hai-chau"): { cli: IosCli; network: SimNetwork } {
  const network = new SimNetwork(inventory, new ManualSimClock(Date.parse("2026-03-02T03:00:00Z")), 1);
  return { cli: new IosCli(network.device(device), network, "netops", "10.10.99.1"), network };
}

/** Runs lines and returns the running config text. */
function apply(lines: string[]): { run: string; outputs: string[]; c: IosCli; network: SimNetwork } {
  const { cli: c, network } = cli();
  const outputs = lines.map((l) => c.input(l));
  return { run: c.input("show running-config"), outputs, c, network };
}

describe("IOS-like CLI", () => {
  it.each([
    ["description", ["conf t", "int Gi0/0/0", "description to DC core (new fibre)", "end"], " description to DC core (new fibre)\r\n"],
    ["encapsulation dot1Q on a new sub-interface", ["conf t", "interface GigabitEthernet0/1/0.900", "encapsulation dot1Q 900", "ip address 10.255.9.0 255.255.255.254", "end"], "interface GigabitEthernet0/1/0.900\r\n encapsulation dot1Q 900\r\n ip address 10.255.9.0 255.255.255.254\r\n"],
    ["ipv6 address", ["configure terminal", "interface Loopback0", "ipv6 address 2001:db8:0:1::7/128", "end"], "interface Loopback0\r\n description router id\r\n ipv6 address 2001:db8:0:1::7/128\r\n"],
    ["service-policy", ["conf t", "int gi0/0/1", "service-policy output METRO-1G", "end"], " service-policy output METRO-1G\r\n"],
    ["vlan with a name", ["conf t", "vlan 300", "name CAMERAS", "end"], "vlan 300\r\n name CAMERAS\r\n"],
    ["hostname", ["conf t", "hostname dist-hai-chau-new", "end"], "hostname dist-hai-chau-new\r\n"],
  ])("%s reaches the running config", (_name, lines, expected) => {
    expect(apply(lines).run).toContain(expected);
  });

  it.each([
    ["no description", ["conf t", "int gi0/0/0", "no description", "end"], /interface GigabitEthernet0\/0\/0\r\n description/],
    ["no ip address", ["conf t", "int gi0/0/0", "no ip address", "end"], /interface GigabitEthernet0\/0\/0\r\n description [^\r]*\r\n ip address/],
  ])("%s removes it", (_name, lines, gone) => {
    expect(apply(lines).run).not.toMatch(gone);
  });

  it.each([
    [["conf t", "interface Gi0/0/0", "ip address 10.1.1.1"], "% Incomplete command."],
    [["conf t", "interface Gi0/0/0", "encapsulation dot1Q 5000"], "% Invalid input detected at '^' marker."],
    [["conf t", "interface Serial0/0/0"], "% Invalid input detected at '^' marker."],
    [["frobnicate"], "% Invalid input detected at '^' marker."],
    [["show"], "% Incomplete command."],
  ])("%j answers %s", (lines, message) => {
    const { outputs } = apply(lines);
    expect(outputs[outputs.length - 1]).toContain(message);
  });

  it("changes its prompt with the mode", () => {
    const { cli: c } = cli();
    const prompts = ["conf t", "int gi0/0/0", "exit", "vlan 10", "end"].map((l) => (c.input(l), c.prompt()));
    expect(prompts).toEqual(["dist-hai-chau(config)#", "dist-hai-chau(config-if)#", "dist-hai-chau(config)#", "dist-hai-chau(config-vlan)#", "dist-hai-chau#"]);
  });

  it("shutdown takes the interface and its far end down; show commands say so", () => {
    const { c, network, outputs } = apply(["conf t", "int gi0/0/0", "shutdown", "end"]);
    expect(outputs).toEqual(["Enter configuration commands, one per line.  End with CNTL/Z.", "", "", ""]);
    expect(c.input("show ip interface brief")).toMatch(/GigabitEthernet0\/0\/0\s+\S+\s+YES NVRAM\s+administratively down\s+down/);
    expect(c.input("show interfaces status")).toMatch(/Gi0\/0\/0\s+.*disabled/);
    expect(network.device("dc-core-1").byName.get("TenGigabitEthernet0/1/1.165")?.operUp).toBe(false);
  });

  it("reports a change once, when leaving configuration mode, and write memory clears the unsaved flag", () => {
    const { cli: c, network } = cli();
    const events: string[] = [];
    network.device("dist-hai-chau").on("event", (e) => events.push(e.type));
    for (const l of ["conf t", "int gi0/0/0", "description x", "description y", "end"]) c.input(l);
    expect(events.filter((e) => e === "configured")).toHaveLength(1);
    expect(network.device("dist-hai-chau").unsaved()).toBe(true);
    expect(c.input("write memory")).toBe("Building configuration...\r\n[OK]");
    expect(network.device("dist-hai-chau").unsaved()).toBe(false);
  });

  it.each([
    ["gi0/0/1", "GigabitEthernet0/0/1"],
    ["Gi 0/1/0.167", "GigabitEthernet0/1/0.167"],
    ["lo0", "Loopback0"],
    ["te0/0/0", undefined],
  ])("resolves %s to %s", (typed, expected) => {
    const { network } = cli();
    expect(resolveInterface(network.device("dist-hai-chau").running.interfaces.keys(), typed.replace(/\s+/g, ""))).toBe(expected);
  });
});
