import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

const fixtures = join(import.meta.dirname, "../test/fixtures/config");
const emptyDir = () => mkdtempSync(join(tmpdir(), "cityplane-config-"));

describe("configuration", () => {
  it("defaults to the embedded default: SQLite under ./data, Da Nang, the simulated city, port 8080", () => {
    const cwd = emptyDir();
    const result = loadConfig({ env: {}, cwd });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.source).toBe("defaults");
    expect(result.config.dataDir).toBe(join(cwd, "data"));
    expect(result.config.inventory).toBe(join(cwd, "inventory/danang.yaml"));
    expect(result.config.server).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(result.config.database.url).toBeUndefined();
    expect(result.config.sim).toMatchObject({ enabled: true, snmpPort: 1161 });
    expect(Object.isFrozen(result.config.server)).toBe(true);
  });

  it("reads cityplane.yaml from the working directory and lets CITYPLANE_* override it", () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, "cityplane.yaml"), "server:\n  port: 9000\n  host: 0.0.0.0\nsim:\n  enabled: false\n");
    const result = loadConfig({ env: { CITYPLANE_PORT: "9100", CITYPLANE_DATA_DIR: "/var/lib/cityplane", PATH: "/bin" }, cwd });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.config.server).toEqual({ host: "0.0.0.0", port: 9100 });
    expect(result.config.dataDir).toBe("/var/lib/cityplane");
    expect(result.config.sim.enabled).toBe(false);
  });

  it("reports every error of file and environment together", () => {
    const file = join(fixtures, "invalid-several.yaml");
    const result = loadConfig({ file, env: { CITYPLANE_SIM_SPEED: "fast", CITYPLANE_POTR: "1" }, cwd: emptyDir() });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([
      `environment CITYPLANE_SIM_SPEED: must be a number, got "fast"`,
      expect.stringMatching(/^environment CITYPLANE_POTR: unknown variable \(known: CITYPLANE_DATA_DIR, /),
      `${file}: dataDir: must not be empty`,
      `${file}: server.port: must be at most 65535`,
      `${file}: server.hots: unknown key`,
      `${file}: database.url: must be a postgres:// URL`,
      `${file}: log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"`,
    ]);
  });

  it.each([
    ["a file named but missing", { file: "nope.yaml" }, /nope\.yaml: no such file$/],
    ["a file that is a list", { text: "- a\n- b\n" }, /must be a mapping of settings$/],
    ["a file that is not YAML", { text: "server: [1,\n" }, /cityplane\.yaml: /],
  ])("refuses %s", (_what, input, message) => {
    const cwd = emptyDir();
    if ("text" in input) writeFileSync(join(cwd, "cityplane.yaml"), input.text);
    const result = loadConfig({ file: "file" in input ? input.file : undefined, env: {}, cwd });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.errors[0]).toMatch(message);
  });
});
