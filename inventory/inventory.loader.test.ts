import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem, loadInventoryFile, parseInventory } from "./inventory.loader.ts";

const fixtures = join(import.meta.dirname, "../test/fixtures/inventory");
const broken = readdirSync(fixtures).filter((f) => f.startsWith("invalid-") && f.endsWith(".yaml")).sort();

describe("inventory loader", () => {
  it("has at least 15 broken inventories, each paired with its expected messages", () => {
    expect(broken.length).toBeGreaterThanOrEqual(15);
  });

  it.each(broken)("%s: reports every problem with file, line, path and reason", (file) => {
    const expected = readFileSync(join(fixtures, file.replace(/\.yaml$/, ".expected")), "utf8").trim().split("\n");
    const result = parseInventory(readFileSync(join(fixtures, file), "utf8"), file);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual(expected);
  });

  it("accepts the minimal inventory and fills in defaults", () => {
    const result = parseInventory(readFileSync(join(fixtures, "valid-minimal.yaml"), "utf8"), "valid-minimal.yaml");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const portal = result.inventory.services[0]!;
    expect(portal.probe).toEqual({ module: "http_2xx", path: "/healthz", intervalSeconds: 30, timeoutSeconds: 5 });
    expect(result.inventory.links[0]!.kind).toBe("metro");
    expect(Object.isFrozen(result.inventory.devices[0])).toBe(true);
  });

  it.each([
    ["probe: { timeoutSeconds: 2, degradedAboveMs: 2000 }", "x.yaml:75:50: services[0].probe.degradedAboveMs: 2000 ms must be below the probe timeout (timeoutSeconds 2 = 2000 ms)"],
    ["probe: { degradedAboveMs: 0 }", "x.yaml:75:31: services[0].probe.degradedAboveMs: must be greater than 0"],
  ])("refuses a slow-service threshold that could never apply: %s", (probe, expected) => {
    const text = readFileSync(join(fixtures, "valid-minimal.yaml"), "utf8").replace("    slo: 99.9\n", `    ${probe}\n    slo: 99.9\n`);
    const result = parseInventory(text, "x.yaml");
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([expected]);
  });

  it("keeps a slow-service threshold below the probe timeout", () => {
    const result = parseInventory(readFileSync(join(fixtures, "valid-minimal.yaml"), "utf8").replace("    slo: 99.9\n", "    probe: { degradedAboveMs: 800 }\n    slo: 99.9\n"), "x.yaml");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    expect(result.inventory.services[0]!.probe).toMatchObject({ timeoutSeconds: 5, degradedAboveMs: 800 });
  });

  it("never echoes a secret written inline", () => {
    const text = readFileSync(join(fixtures, "valid-minimal.yaml"), "utf8").replace("credentials: { snmp: snmp-ro }", "credentials: { snmp: s3cr3t-community }");
    const result = parseInventory(text, "x.yaml");
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain("s3cr3t-community");
  });

  it("refuses a YAML alias bomb without exhausting memory", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    const result = parseInventory(bomb, "bomb.yaml");
    expect(result.ok ? "" : formatProblem(result.problems[0]!)).toMatch(/^bomb\.yaml:1:1: YAML: Excessive alias count/);
  });

  it("names a missing file", async () => {
    const result = await loadInventoryFile(join(fixtures, "no-such-city.yaml"));
    expect(result.ok ? "" : formatProblem(result.problems[0]!)).toMatch(/no-such-city\.yaml: no such file$/);
  });

  it("loads the default city sized as CITY.md describes", async () => {
    const result = await loadInventoryFile(join(import.meta.dirname, "danang.yaml"));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const inv = result.inventory;
    const kinds = (k: string) => inv.units.filter((u) => u.kind === k).length;
    expect({ city: kinds("city"), departments: kinds("department"), districts: kinds("district"), wards: kinds("ward") }).toEqual({ city: 1, departments: 32, districts: 8, wards: 56 });
    expect(inv.units.filter((u) => u.kind !== "ward")).toHaveLength(72);
    expect(inv.devices.filter((d) => d.role === "core-router")).toHaveLength(2);
    expect(inv.devices.filter((d) => d.role === "firewall")).toHaveLength(2);
    expect(inv.devices.filter((d) => d.role === "wlc")).toHaveLength(2);
    expect(inv.hotspots.length).toBeGreaterThanOrEqual(400);
    // Every district but Hoàng Sa (no wards on the mainland) has hotspots.
    expect(new Set(inv.hotspots.map((h) => h.group)).size).toBe(7);
    expect(inv.ssids.map((s) => s.security)).toContain("open-captive-portal");
    expect(inv.services.length).toBeGreaterThanOrEqual(15);
    // Every metro unit and ward has a circuit of 100 Mbps or more.
    const metro = inv.links.filter((l) => l.kind === "metro");
    expect(metro.every((l) => l.bandwidthMbps >= 100 && l.ipv4.endsWith("/31") && l.ipv6?.endsWith("/127"))).toBe(true);
  });

  it("is what the generator produces (the committed YAML is not edited by hand)", async () => {
    const { buildDanang } = await import("./danang/generate-danang.ts");
    const result = await loadInventoryFile(join(import.meta.dirname, "danang.yaml"));
    if (!result.ok) throw new Error("danang.yaml invalid");
    expect(JSON.parse(JSON.stringify(result.inventory))).toEqual(JSON.parse(JSON.stringify(buildDanang())));
  });
});
