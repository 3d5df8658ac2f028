import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_CREDENTIALS_FILE, ensureAdminCredentials, verifyPassword } from "./admin-credentials.ts";
import { agentConfigSchema } from "../../agents/config/agent-config.schema.ts";
import { AGENT_TOKENS_FILE, checkAgentName, issueAgentToken, listAgentTokens, loadAgentTokens, revokeAgentToken, watchAgentTokens } from "./agent-tokens.ts";
import { writeSecretFile } from "./secret-file.ts";
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
      writeFileSync(join(other, AGENT_TOKENS_FILE), JSON.stringify({ tokens: [{ agent: "a", sha256: "nothex" }] }));
      await expect(loadAgentTokens(other)).rejects.toThrow(/agent-tokens\.json: not a valid agent token file/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("agent token administration", () => {
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), "cityplane-auth-admin-"));
    dirs.push(d);
    return d;
  };
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("lists agents and issue times without hashes, and revokes one agent's token only", async () => {
    const d = fresh();
    const a = await issueAgentToken(d, "agent-a", { now: new Date("2025-03-01T08:00:00Z") });
    const b = await issueAgentToken(d, "agent-b", { now: new Date("2025-03-02T09:30:00Z") });
    expect(await listAgentTokens(d)).toEqual([{ agent: "agent-a", createdAt: "2025-03-01T08:00:00.000Z" }, { agent: "agent-b", createdAt: "2025-03-02T09:30:00.000Z" }]);
    expect(await revokeAgentToken(d, "agent-a")).toBe(true);
    expect(await revokeAgentToken(d, "agent-a")).toBe(false);
    expect(await revokeAgentToken(fresh(), "agent-a")).toBe(false);
    const tokens = await loadAgentTokens(d);
    expect(tokens.verify(a)).toBeUndefined();
    expect(tokens.verify(b)).toBe("agent-b");
    expect(statSync(join(d, AGENT_TOKENS_FILE)).mode & 0o777).toBe(0o600);
  });

  it("loses no change when issues and revokes run at the same time (the file is changed under a lock)", async () => {
    const d = fresh();
    await Promise.all(["old-1", "old-2", "old-3"].map((a) => issueAgentToken(d, a)));
    const names = Array.from({ length: 12 }, (_, i) => `agent-${i}`);
    const [issued, revoked] = await Promise.all([Promise.all(names.map((a) => issueAgentToken(d, a))), Promise.all(["old-1", "old-3"].map((a) => revokeAgentToken(d, a)))]);
    expect(revoked).toEqual([true, true]);
    expect((await listAgentTokens(d)).map((t) => t.agent).sort()).toEqual([...names, "old-2"].sort());
    const tokens = await loadAgentTokens(d);
    issued.forEach((t, i) => expect(tokens.verify(t)).toBe(names[i]));
    expect(readdirSync(d).filter((f) => f !== AGENT_TOKENS_FILE)).toEqual([]); // no lock or temporary file left behind
  });

  it("keeps an agent's previous token when the new one cannot be delivered", async () => {
    const d = fresh();
    const old = await issueAgentToken(d, "agent-a");
    await expect(issueAgentToken(d, "agent-a", { deliver: () => Promise.reject(new Error("EACCES: cannot write")) })).rejects.toThrow(/EACCES/);
    expect((await loadAgentTokens(d)).verify(old)).toBe("agent-a");
  });

  it.each([
    ["agent-1", true], ["dc.core_2", true], ["A".repeat(100), true],
    ["", false], ["a b", false], ["agent/1", false], ["agent\n", false], ["A".repeat(101), false], ["ạgent", false],
  ])("judges the name %j as an agent's configuration does (valid: %s)", (name, valid) => {
    const configAccepts = !agentConfigSchema.safeParse({ name, auths: {} }).error?.issues.some((i) => i.path[0] === "name");
    expect(configAccepts).toBe(valid);
    let message: string | undefined;
    try {
      checkAgentName(name);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(valid ? undefined : `agent name ${JSON.stringify(name)}: must be 1–100 characters, only letters, digits and . _ -`);
  });

  it("follows the file while watched: a change is applied in place, a damaged file keeps the previous set with one error", async () => {
    const d = fresh();
    const first = await issueAgentToken(d, "agent-a");
    const tokens = await loadAgentTokens(d);
    const errors: string[] = [];
    const reloads: number[] = [];
    let replaced = 0;
    tokens.onReplace(() => replaced++);
    const stop = watchAgentTokens(d, tokens, { intervalMs: 50, onError: (e) => errors.push(e.message), onReload: (n) => reloads.push(n) });
    try {
      const second = await issueAgentToken(d, "agent-b");
      await expect.poll(() => tokens.verify(second), { timeout: 5000 }).toBe("agent-b");
      expect(tokens.verify(first)).toBe("agent-a");
      // Replaced by rename, as editors and the CLI do: a write in place could be seen half done, twice.
      await writeSecretFile(join(d, AGENT_TOKENS_FILE), '{"tokens": [{"agent": "agent-a", "sha256": "oops"');
      await expect.poll(() => errors.length, { timeout: 5000 }).toBe(1);
      expect(errors[0]).toMatch(/agent-tokens\.json: .*JSON/);
      await new Promise((r) => setTimeout(r, 300));
      expect(errors).toHaveLength(1);
      expect(tokens.verify(first)).toBe("agent-a");
      expect(tokens.verify(second)).toBe("agent-b");
      await writeSecretFile(join(d, AGENT_TOKENS_FILE), JSON.stringify({ tokens: [{ agent: "agent-a", sha256: "ab" }] }));
      await expect.poll(() => errors.length, { timeout: 5000 }).toBe(2);
      expect(errors[1]).toMatch(/not a valid agent token file \(tokens\.0\.sha256: /);
      expect(tokens.size).toBe(2);
      await expect(revokeAgentToken(d, "agent-b")).rejects.toThrow(/not a valid agent token file/);
      rmSync(join(d, AGENT_TOKENS_FILE));
      await expect.poll(() => tokens.size, { timeout: 5000 }).toBe(0);
      expect(reloads).toEqual([2, 0]);
      expect(replaced).toBe(2);
    } finally {
      stop();
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
