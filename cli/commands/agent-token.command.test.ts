import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_TOKENS_FILE, loadAgentTokens } from "../../services/auth/agent-tokens.ts";
import { main } from "../main.ts";

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "cityplane-agent-token-"));
  dirs.push(d);
  return d;
};

/** The CLI entry in-process, on a data dir given through the environment. */
async function cli(dataDir: string, ...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["agent-token", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: { CITYPLANE_DATA_DIR: dataDir }, cwd: dataDir });
  return { code, out, err };
}

const TOKEN = /^cpa_[A-Za-z0-9_-]{43}$/;

describe("cityplane agent-token", () => {
  it("issue prints the token alone on stdout (the real binary), keeps only its hash in a 0600 file", async () => {
    const d = fresh();
    const { stdout, stderr } = await run(process.execPath, ["bin/cityplane.js", "agent-token", "issue", "edge-hai-chau"], { env: { ...process.env, CITYPLANE_DATA_DIR: d }, timeout: 20_000 });
    const token = stdout.trim();
    expect(stdout).toMatch(/^cpa_[A-Za-z0-9_-]{43}\n$/);
    expect(stderr).toBe('token for agent "edge-hai-chau" shown only now (only its hash is kept); any previous token of "edge-hai-chau" no longer works\n');
    const file = join(d, AGENT_TOKENS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain(token);
    expect((await loadAgentTokens(d)).verify(token)).toBe("edge-hai-chau");
  });

  it("issue --out writes the token to a 0600 file and prints only where it went; issuing again rotates", async () => {
    const d = fresh();
    const out = join(d, "keys", "edge-1.token");
    const first = await cli(d, "issue", "edge-1", "--out", "keys/edge-1.token");
    expect(first).toEqual({ code: 0, out: [`token for agent "edge-1" written to ${out} (mode 0600); any previous token of "edge-1" no longer works`], err: [] });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const oldToken = readFileSync(out, "utf8").trim();
    expect(oldToken).toMatch(TOKEN);
    expect((await cli(d, "issue", "edge-1", "--out", out)).code).toBe(0);
    const newToken = readFileSync(out, "utf8").trim();
    expect(newToken).not.toBe(oldToken);
    const tokens = await loadAgentTokens(d);
    expect(tokens.verify(oldToken)).toBeUndefined();
    expect(tokens.verify(newToken)).toBe("edge-1");
    expect(tokens.size).toBe(1);
  });

  it("issue --out to a place that cannot be written fails and leaves the previous token valid", async () => {
    const d = fresh();
    const before = (await cli(d, "issue", "edge-1")).out[0]!;
    writeFileSync(join(d, "not-a-dir"), "");
    const r = await cli(d, "issue", "edge-1", "--out", "not-a-dir/edge-1.token");
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).toMatch(/^cityplane agent-token issue: .*(ENOTDIR|EEXIST)/);
    expect((await loadAgentTokens(d)).verify(before)).toBe("edge-1");
  });

  it("list shows agents and issue times, never tokens or hashes", async () => {
    const d = fresh();
    expect(await cli(d, "list")).toEqual({ code: 0, out: [], err: [`no agent tokens in ${d} (cityplane agent-token issue NAME)`] });
    const t1 = (await cli(d, "issue", "agent-1")).out[0]!;
    const t2 = (await cli(d, "issue", "edge-ngu-hanh-son")).out[0]!;
    const r = await cli(d, "list");
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(3);
    expect(r.out[0]).toBe(`AGENT${" ".repeat(14)}ISSUED`);
    expect(r.out[1]).toMatch(/^agent-1 {12}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.out[2]).toMatch(/^edge-ngu-hanh-son {2}\d{4}-\d\d-\d\dT/);
    const hashes = (JSON.parse(readFileSync(join(d, AGENT_TOKENS_FILE), "utf8")) as { tokens: { sha256: string }[] }).tokens.map((t) => t.sha256);
    for (const secret of [t1, t2, ...hashes]) expect(r.out.join("\n")).not.toContain(secret);
  });

  it("revoke removes one agent's token; an unknown name is an error naming it (exit 1)", async () => {
    const d = fresh();
    const t1 = (await cli(d, "issue", "agent-1")).out[0]!;
    const t2 = (await cli(d, "issue", "agent-2")).out[0]!;
    expect(await cli(d, "revoke", "agent-1")).toEqual({ code: 0, out: ['token for agent "agent-1" revoked'], err: [] });
    expect(await cli(d, "revoke", "agent-1")).toEqual({ code: 1, out: [], err: [`no token for agent "agent-1" in ${d} (see cityplane agent-token list)`] });
    const tokens = await loadAgentTokens(d);
    expect(tokens.verify(t1)).toBeUndefined();
    expect(tokens.verify(t2)).toBe("agent-2");
    expect((await cli(d, "list")).out.slice(1).map((l) => l.split(" ")[0])).toEqual(["agent-2"]);
  });

  it("uses the dataDir of --config FILE", async () => {
    const d = fresh();
    const data = join(d, "elsewhere");
    writeFileSync(join(d, "cityplane.yaml"), `dataDir: ${data}\n`);
    const out: string[] = [];
    const code = await main(["agent-token", "issue", "edge-1", "--config", join(d, "cityplane.yaml")], { out: (l) => out.push(l), err: () => undefined, env: {}, cwd: process.cwd() });
    expect(code).toBe(0);
    expect((await loadAgentTokens(data)).verify(out[0])).toBe("edge-1");
  });

  it.each([
    [["issue"], 2, ["NAME: the agent's name is missing", "usage: cityplane agent-token issue NAME [--out FILE] [--config FILE]"]],
    [["issue", "edge 1", "--out"], 2, ["--out: needs a value", 'agent name "edge 1": must be 1–100 characters, only letters, digits and . _ -', "usage: cityplane agent-token issue NAME [--out FILE] [--config FILE]"]],
    [["issue", "a", "b", "--force"], 2, ['unknown option "--force"', 'unexpected argument "b"', "usage: cityplane agent-token issue NAME [--out FILE] [--config FILE]"]],
    [["revoke", "../etc"], 2, ['agent name "../etc": must be 1–100 characters, only letters, digits and . _ -', "usage: cityplane agent-token revoke NAME [--config FILE]"]],
    [["revoke", "a", "--out", "f"], 2, ['unknown option "--out"', 'unexpected argument "f"', "usage: cityplane agent-token revoke NAME [--config FILE]"]],
    [["list", "agent-1"], 2, ['unexpected argument "agent-1"', "usage: cityplane agent-token list [--config FILE]"]],
    [["list", "--config", "/nonexistent/cityplane.yaml"], 1, ["/nonexistent/cityplane.yaml: no such file"]],
  ])("%j exits %i listing every problem, writing nothing", async (args, code, errors) => {
    const d = fresh();
    expect(await cli(d, ...args)).toEqual({ code, out: [], err: errors });
    expect(() => statSync(join(d, AGENT_TOKENS_FILE))).toThrow(/ENOENT/);
  });

  it("says what is wrong with a damaged token file instead of overwriting it", async () => {
    const d = fresh();
    writeFileSync(join(d, AGENT_TOKENS_FILE), "{ not json");
    const r = await cli(d, "issue", "agent-1");
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^cityplane agent-token issue: .*agent-tokens\.json: .*JSON/);
    expect(readFileSync(join(d, AGENT_TOKENS_FILE), "utf8")).toBe("{ not json");
  });
});
