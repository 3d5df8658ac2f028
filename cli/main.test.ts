import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { main } from "./main.ts";

const root = join(import.meta.dirname, "..");
const run = promisify(execFile);

/** Runs the real `bin/cityplane.js`, as a user would through npx. */
async function cityplane(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, "bin/cityplane.js"), ...args], { cwd: root, env: { PATH: process.env.PATH ?? "", ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("cityplane CLI", () => {
  it("inventory validate prints the counts of the default city and exits 0", async () => {
    const { code, stdout } = await cityplane(["inventory", "validate", "inventory/danang.yaml"]);
    expect(code).toBe(0);
    for (const line of [/units\s+72/, /wards\s+56/, /core-router\s+2/, /firewall\s+2/, /wlc\s+2/, /links\s+149/, /hotspots\s+418/, /ssids\s+3/, /services\s+19/]) {
      expect(stdout).toMatch(line);
    }
  });

  it("inventory validate lists every problem with its path and exits 1", async () => {
    const { code, stderr } = await cityplane(["inventory", "validate", "test/fixtures/inventory/invalid-unknown-references.yaml"]);
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      'invalid-unknown-references.yaml:11:41: units[3].parent: unknown unit "quan-9"',
      'invalid-unknown-references.yaml:28:11: devices[1].site: unknown site "site-quan-2"',
      'invalid-unknown-references.yaml:55:10: links[0].sla: unknown SLA "gold"',
      'invalid-unknown-references.yaml:64:108: hotspots[0].controller: device "dist-1" is a dist-router, not a wlc',
      'invalid-unknown-references.yaml:70:17: services[0].department: unknown unit "so-khdt"',
      "5 problems found",
    ]);
  });

  it("check-config reports all configuration errors at once", async () => {
    const { code, stderr } = await cityplane(["check-config", "--config", "test/fixtures/config/invalid-several.yaml"], { CITYPLANE_PORT: "http" });
    expect(code).toBe(1);
    expect(stderr).toContain('environment CITYPLANE_PORT: must be an integer, got "http"');
    expect(stderr).toContain("server.hots: unknown key");
    expect(stderr).toContain("database.url: must be a postgres:// URL");
    expect(stderr).toContain("6 configuration errors");
  });

  it("inventory show --json prints the inventory with defaults filled in", async () => {
    const lines: string[] = [];
    const code = await main(["inventory", "show", "test/fixtures/inventory/valid-minimal.yaml", "--json"], { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, cwd: root });
    expect(code).toBe(0);
    expect(JSON.parse(lines.join("\n")).services[0].probe.path).toBe("/healthz");
  });

  it("answers an unknown command with usage and exit 2", async () => {
    const out: string[] = [];
    const code = await main(["frobnicate"], { out: (l) => out.push(l), err: (l) => out.push(l), env: {}, cwd: root });
    expect(code).toBe(2);
    expect(out[0]).toBe('cityplane: unknown command "frobnicate"');
    expect(out.join("\n")).toContain("inventory validate");
  });
});
