import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { readJsonFile, writeSecretFile } from "./secret-file.ts";

/**
 * Agent bearer tokens. A token is 256 random bits, so a plain SHA-256 of it cannot be brute
 * forced and is all the server stores (a slow hash such as scrypt buys nothing for a random
 * secret and would cost every ingest request). Comparison is constant time.
 */
export const AGENT_TOKENS_FILE = "agent-tokens.json";

const fileSchema = z.strictObject({
  tokens: z.array(z.strictObject({ agent: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() })),
});
type TokenFile = z.infer<typeof fileSchema>;

/** A fresh token: `cpa_` + 43 base64url characters (256 bits). */
export function mintToken(): string {
  return `cpa_${randomBytes(32).toString("base64url")}`;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** The set of agent token hashes the server accepts. */
export class AgentTokens {
  private readonly entries: { agent: string; hash: Buffer }[];

  constructor(entries: readonly { agent: string; sha256: string }[]) {
    this.entries = entries.map((e) => ({ agent: e.agent, hash: Buffer.from(e.sha256, "hex") }));
  }

  /** Adds a token for `agent` and returns it (test and in-process use). */
  static withToken(agent: string, token: string): AgentTokens {
    return new AgentTokens([{ agent, sha256: digest(token).toString("hex") }]);
  }

  /** The agent a token belongs to, or undefined. Walks every entry so timing does not depend on which one matched. */
  verify(token: string | undefined): string | undefined {
    if (token === undefined || token.length === 0 || token.length > 200) return undefined;
    const hash = digest(token);
    let found: string | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(e.hash, hash)) found ??= e.agent;
    }
    return found;
  }

  get size(): number {
    return this.entries.length;
  }
}

/** Loads `agent-tokens.json` from dataDir (absent = no agents allowed yet). */
export async function loadAgentTokens(dataDir: string): Promise<AgentTokens> {
  const path = join(dataDir, AGENT_TOKENS_FILE);
  const raw = await readJsonFile(path);
  if (raw === undefined) return new AgentTokens([]);
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: not a valid agent token file (${parsed.error.issues[0]?.message ?? "invalid"})`);
  return new AgentTokens(parsed.data.tokens);
}

/**
 * Mints a token for `agent`, replacing any earlier token of that agent, stores its hash in
 * dataDir and returns the token (shown once; only the hash is kept).
 */
export async function issueAgentToken(dataDir: string, agent: string, now = new Date()): Promise<string> {
  const path = join(dataDir, AGENT_TOKENS_FILE);
  const raw = await readJsonFile(path);
  const current: TokenFile = raw === undefined ? { tokens: [] } : fileSchema.parse(raw);
  const token = mintToken();
  const tokens = current.tokens.filter((t) => t.agent !== agent);
  tokens.push({ agent, sha256: digest(token).toString("hex"), createdAt: now.toISOString() });
  await writeSecretFile(path, `${JSON.stringify({ tokens }, null, 2)}\n`);
  return token;
}
