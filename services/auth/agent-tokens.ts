import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { lock } from "proper-lockfile";
import { z } from "zod";
import { readJsonFile, writeSecretFile } from "./secret-file.ts";

/**
 * Agent bearer tokens. A token is 256 random bits, so a plain SHA-256 of it cannot be brute
 * forced and is all the server stores (a slow hash such as scrypt buys nothing for a random
 * secret and would cost every ingest request). Comparison is constant time.
 */
export const AGENT_TOKENS_FILE = "agent-tokens.json";

/** The rule for an agent's name, the same as the `name` of an agent's configuration. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

const fileSchema = z.strictObject({
  tokens: z.array(z.strictObject({ agent: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() })),
});
type TokenFile = z.infer<typeof fileSchema>;

/** Throws a message naming `name` unless it is a valid agent name. */
export function checkAgentName(name: string): void {
  if (!AGENT_NAME_PATTERN.test(name)) throw new Error(`agent name ${JSON.stringify(name)}: must be 1–100 characters, only letters, digits and . _ -`);
}

/** A fresh token: `cpa_` + 43 base64url characters (256 bits). */
export function mintToken(): string {
  return `cpa_${randomBytes(32).toString("base64url")}`;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** The agent a token belongs to and the hash it matched. */
export interface TokenOwner {
  agent: string;
  sha256: string;
}

/**
 * The set of agent token hashes the server accepts. The server holds one instance for its
 * whole life; `replace()` swaps the set in place (a reload of the file) and tells listeners,
 * so holders of the object (ingest auth, the agents' channel) see the new set at once.
 */
export class AgentTokens {
  private entries: { agent: string; hash: Buffer }[];
  private readonly listeners = new Set<() => void>();

  constructor(entries: readonly { agent: string; sha256: string }[]) {
    this.entries = toEntries(entries);
  }

  /** Adds a token for `agent` and returns it (test and in-process use). */
  static withToken(agent: string, token: string): AgentTokens {
    return new AgentTokens([{ agent, sha256: digest(token).toString("hex") }]);
  }

  /** The agent a token belongs to, or undefined. */
  verify(token: string | undefined): string | undefined {
    return this.owner(token)?.agent;
  }

  /** The agent and hash a token matches, or undefined. Walks every entry so timing does not depend on which one matched. */
  owner(token: string | undefined): TokenOwner | undefined {
    if (token === undefined || token.length === 0 || token.length > 200) return undefined;
    const hash = digest(token);
    let found: TokenOwner | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(e.hash, hash)) found ??= { agent: e.agent, sha256: hash.toString("hex") };
    }
    return found;
  }

  /** Whether the token with this hash is still `agent`'s (false once revoked or rotated). */
  holds(owner: TokenOwner): boolean {
    const hash = Buffer.from(owner.sha256, "hex");
    return this.entries.some((e) => e.agent === owner.agent && e.hash.length === hash.length && timingSafeEqual(e.hash, hash));
  }

  /** Takes over `next`'s set (a reloaded file) and tells the listeners. */
  replace(next: AgentTokens): void {
    this.entries = next.entries;
    for (const l of this.listeners) l();
  }

  /** Calls `listener` after every replace(); returns a function that stops it. */
  onReplace(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.entries.length;
  }
}

function toEntries(entries: readonly { agent: string; sha256: string }[]): { agent: string; hash: Buffer }[] {
  return entries.map((e) => ({ agent: e.agent, hash: Buffer.from(e.sha256, "hex") }));
}

async function readTokenFile(path: string): Promise<TokenFile | undefined> {
  const raw = await readJsonFile(path);
  if (raw === undefined) return undefined;
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: not a valid agent token file (${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"})`);
  }
  return parsed.data;
}

/** Loads `agent-tokens.json` from dataDir (absent = no agents allowed yet). */
export async function loadAgentTokens(dataDir: string): Promise<AgentTokens> {
  const file = await readTokenFile(join(dataDir, AGENT_TOKENS_FILE));
  return new AgentTokens(file?.tokens ?? []);
}

/** The agents holding a token, with when it was issued (never the hashes). */
export async function listAgentTokens(dataDir: string): Promise<{ agent: string; createdAt: string }[]> {
  const file = await readTokenFile(join(dataDir, AGENT_TOKENS_FILE));
  return (file?.tokens ?? []).map(({ agent, createdAt }) => ({ agent, createdAt }));
}

/**
 * Mints a token for `agent`, replacing any earlier token of that agent, stores its hash in
 * dataDir and returns the token (shown once; only the hash is kept). `deliver` runs before the
 * hash is stored: when it fails (say the token cannot be written where it was asked to go),
 * the agent's previous token stays valid rather than being replaced by one nobody has.
 */
export async function issueAgentToken(dataDir: string, agent: string, opts: { now?: Date; deliver?: (token: string) => Promise<void> } = {}): Promise<string> {
  checkAgentName(agent);
  return updateTokenFile(dataDir, async (current) => {
    const token = mintToken();
    await opts.deliver?.(token);
    const now = opts.now ?? new Date();
    const tokens = current.tokens.filter((t) => t.agent !== agent);
    tokens.push({ agent, sha256: digest(token).toString("hex"), createdAt: now.toISOString() });
    return { write: { tokens }, result: token };
  });
}

/** Removes `agent`'s token; false when it had none. */
export async function revokeAgentToken(dataDir: string, agent: string): Promise<boolean> {
  return updateTokenFile(dataDir, async (current) => {
    const tokens = current.tokens.filter((t) => t.agent !== agent);
    return tokens.length === current.tokens.length ? { result: false } : { write: { tokens }, result: true };
  });
}

/**
 * Read, change and write the token file under a lock (`agent-tokens.json.lock`), so two
 * operators issuing or revoking at once cannot each write a file without the other's change.
 * The write is atomic (a rename), so the server's reader never sees half a file and needs no lock.
 */
async function updateTokenFile<T>(dataDir: string, change: (current: TokenFile) => Promise<{ write?: TokenFile; result: T }>): Promise<T> {
  const path = join(dataDir, AGENT_TOKENS_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    // A lock older than `stale` (its holder died) is taken over; otherwise wait up to ~10 s.
    release = await lock(path, { realpath: false, stale: 15_000, retries: { retries: 25, minTimeout: 50, maxTimeout: 500 } });
  } catch (err) {
    throw new Error(`${path}: another command is changing the agent tokens (${(err as Error).message}); try again`);
  }
  try {
    const { write, result } = await change((await readTokenFile(path)) ?? { tokens: [] });
    if (write !== undefined) await writeSecretFile(path, `${JSON.stringify(write, null, 2)}\n`);
    return result;
  } finally {
    await release();
  }
}

export interface TokenWatchOptions {
  /** How often the file's stat is polled (default 1000 ms). */
  intervalMs?: number;
  /** After a successful reload, with the number of tokens now accepted. */
  onReload?: (size: number) => void;
  /** A damaged or unreadable file: the previous set stays in force. */
  onError?: (err: Error) => void;
}

/**
 * Keeps `tokens` in step with `<dataDir>/agent-tokens.json` while the server runs, so issuing,
 * rotating or revoking a token needs no restart. Polls the file's stat (fs.watchFile) rather
 * than using inotify: it sees the rename the CLI writes with, works on every filesystem, and
 * does not keep the process alive. A damaged file leaves the previous set in force; a removed
 * file means no agent is allowed, as at start. Returns a function that stops watching.
 */
export function watchAgentTokens(dataDir: string, tokens: AgentTokens, opts: TokenWatchOptions = {}): () => void {
  const path = join(dataDir, AGENT_TOKENS_FILE);
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const reload = async (): Promise<void> => {
    do {
      again = false;
      try {
        const next = await loadAgentTokens(dataDir);
        if (stopped) return;
        tokens.replace(next);
        opts.onReload?.(next.size);
      } catch (err) {
        if (!stopped) opts.onError?.(err as Error);
      }
    } while (again && !stopped);
  };
  const listener = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
    // One reload at a time; a change seen during one is read right after it.
    if (running) {
      again = true;
      return;
    }
    running = reload().finally(() => (running = undefined));
  };
  watchFile(path, { interval: opts.intervalMs ?? 1000, persistent: false }, listener);
  return () => {
    stopped = true;
    unwatchFile(path, listener);
  };
}
