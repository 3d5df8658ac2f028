import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_CREDENTIALS_FILE, ensureAdminCredentials, verifyPassword } from "./admin-credentials.ts";
import { AGENT_TOKENS_FILE, issueAgentToken, loadAgentTokens } from "./agent-tokens.ts";
import { SessionTokens } from "./session-tokens.ts";

const dir = mkdtempSync(join(tmpdir(), "cityplane-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("agent tokens", () => {
  it("stores only a hash (0600), accepts the token for its agent only, and replaces an agent's old token", async () => {
    const t1 = await issueAgentToken(dir, "agent-1");
    const t2 = await issueAgentToken(dir, "agent-2");
    const file = readFileSync(join(dir, AGENT_TOKENS_FILE), "utf8");
    expect(file).not.toContain(t1);
    expect(statSync(join(dir, AGENT_TOKENS_FILE)).mode & 0o777).toBe(0o600);
    let tokens = await loadAgentTokens(dir);
    expect(tokens.verify(t1)).toBe("agent-1");
    expect(tokens.verify(t2)).toBe("agent-2");
    for (const bad of [undefined, "", "cpa_", `${t1}x`, t1.slice(0, -1), "x".repeat(500)]) expect(tokens.verify(bad)).toBeUndefined();
    const t1b = await issueAgentToken(dir, "agent-1");
    tokens = await loadAgentTokens(dir);
    expect(tokens.verify(t1)).toBeUndefined();
    expect(tokens.verify(t1b)).toBe("agent-1");
    expect(tokens.size).toBe(2);
  });

  it("refuses a damaged token file with a message naming it", async () => {
    const other = mkdtempSync(join(tmpdir(), "cityplane-auth-bad-"));
    try {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(other, AGENT_TOKENS_FILE), JSON.stringify({ tokens: [{ agent: "a", sha256: "nothex" }] }));
      await expect(loadAgentTokens(other)).rejects.toThrow(/agent-tokens\.json: not a valid agent token file/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("admin credentials", () => {
  it("generates a password once, stores only a scrypt hash (N = 2^17), and never returns it again", async () => {
    const first = await ensureAdminCredentials(dir);
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const text = readFileSync(join(dir, ADMIN_CREDENTIALS_FILE), "utf8");
    expect(text).not.toContain(first.generatedPassword!);
    expect(first.stored.scrypt.N).toBe(2 ** 17);
    expect(statSync(join(dir, ADMIN_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    const second = await ensureAdminCredentials(dir);
    expect(second.generatedPassword).toBeUndefined();
    expect(await verifyPassword(first.generatedPassword!, second.stored.scrypt)).toBe(true);
    expect(await verifyPassword(`${first.generatedPassword!}!`, second.stored.scrypt)).toBe(false);
  });
});

describe("session tokens", () => {
  it.each([
    ["within the idle time", 29 * 60_000, "admin"],
    ["after 30 idle minutes", 31 * 60_000, undefined],
  ])("answers %s", (_name, idle, expected) => {
    let now = 0;
    const s = new SessionTokens(() => now);
    const token = s.open("admin");
    now += idle;
    expect(s.verify(token)).toBe(expected);
  });

  it("ends at 12 hours even when used all the time, and at logout", () => {
    let now = 0;
    const s = new SessionTokens(() => now);
    const token = s.open("admin");
    for (; now < 12 * 3_600_000; now += 10 * 60_000) expect(s.verify(token)).toBe("admin");
    now += 10 * 60_000;
    expect(s.verify(token)).toBeUndefined();
    const t2 = s.open("admin");
    s.close(t2);
    expect(s.verify(t2)).toBeUndefined();
  });
});
