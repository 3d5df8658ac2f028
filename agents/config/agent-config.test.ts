import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "./agent-config.ts";
import { parseTargetFile } from "./target-file.ts";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/agent-config");
const read = (f: string) => readFileSync(join(FIXTURES, f), "utf8");
const refs = { auths: new Set(["netops"]), snmpModules: new Set(["if_mib", "lldp", "system"]), probeModules: new Set(["http_2xx"]) };

describe("agent config", () => {
  const invalid = readdirSync(FIXTURES).filter((f) => /^invalid-.*\.yaml$/.test(f) && f !== "invalid-targets.yaml");
  it.each(invalid)("%s is refused with every error listed, by path", (file) => {
    const result = parseAgentConfig(read(file), file, FIXTURES);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(read(file.replace(/\.yaml$/, ".errors.txt")).trim().split("\n"));
  });

  it("accepts a full config, resolves paths, freezes it and reports v2c and legacy auths as findings", () => {
    const result = parseAgentConfig(read("valid-full.yaml"), "valid-full.yaml", FIXTURES);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.config.targets).toBe(join(FIXTURES, "targets.yaml"));
    expect(result.config.limits.unreachableRecheckSeconds).toBe(15);
    expect(Object.isFrozen(result.config.auths)).toBe(true);
    expect(result.findings).toEqual(['auth "wards-v2c" uses SNMPv2c: the community travels in clear text', 'auth "old-switch" is marked legacy (authNoPriv/md5)']);
  });

  it("accepts a config holding only auths, listening on 127.0.0.1:9117", () => {
    const result = parseAgentConfig(read("valid-auths-only.yaml"), "x", FIXTURES);
    expect(result.ok && result.config.listen).toBe("127.0.0.1:9117");
  });

  it("takes the shipper's delivery tuning under controlPlane, with defaults, and refuses a base above the cap", () => {
    const cp = (delivery: string) => `auths: {}\ncontrolPlane:\n  url: http://10.0.0.1:8080\n${delivery}`;
    const defaults = parseAgentConfig(cp(""), "x", FIXTURES);
    expect(defaults.ok && defaults.config.controlPlane?.delivery).toEqual({ retryBaseMs: 500, retryMaxMs: 60_000, requestTimeoutMs: 30_000 });
    const scaled = parseAgentConfig(cp("  delivery: {retryBaseMs: 100, retryMaxMs: 2000, requestTimeoutMs: 1000}\n"), "x", FIXTURES);
    expect(scaled.ok && scaled.config.controlPlane?.delivery).toEqual({ retryBaseMs: 100, retryMaxMs: 2000, requestTimeoutMs: 1000 });
    const bad = parseAgentConfig(cp("  delivery: {retryBaseMs: 5000, retryMaxMs: 1000, requestTimeoutMs: 5}\n"), "x", FIXTURES);
    expect(bad.ok ? [] : bad.errors).toEqual([
      "x: controlPlane.delivery.requestTimeoutMs: must be at least 100",
      "x: controlPlane.delivery.retryBaseMs: retryBaseMs must not exceed retryMaxMs",
    ]);
  });

  it("never echoes a secret in an error", () => {
    const result = parseAgentConfig("auths:\n  a: {version: 3, username: u, securityLevel: authPriv, authProtocol: sha, authPassword: s3cr3t, privProtocol: aes, privPassword: 12345}\n", "x", FIXTURES);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toMatch(/s3cr3t|12345/);
  });
});

describe("static target file", () => {
  it("parses targets that reference known auths and modules", () => {
    const result = parseTargetFile(read("targets.yaml"), "targets.yaml", refs);
    expect(result.ok && result.targets.map((t) => t.id)).toEqual(["snmp/core-01"]);
  });

  it.each([
    ["invalid-targets.yaml", read("invalid-targets.yaml"), read("invalid-targets.errors.txt").trim().split("\n")],
    [
      "unknown auth and module",
      "- {kind: snmp, id: a, device: a, host: h, port: 161, auth: nobody, modules: [if_mibb], intervalSeconds: 60}\n- {kind: snmp, id: a, device: b, host: h, port: 161, auth: netops, modules: [if_mib], intervalSeconds: 60}\n",
      ['unknown auth and module: [0].auth: no auth named "nobody" in the agent config', 'unknown auth and module: [0].modules[0]: unknown SNMP module "if_mibb" (known: if_mib, lldp, system)', 'unknown auth and module: [1].id: "a" is used twice'],
    ],
  ])("%s is refused with every problem", (name, text, errors) => {
    const result = parseTargetFile(text, name, refs);
    expect(result.ok ? [] : result.errors).toEqual(errors);
  });
});
