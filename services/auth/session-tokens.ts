import { createHash, randomBytes } from "node:crypto";

/**
 * Admin session tokens, in memory (console user accounts come later). A token is 256 random
 * bits; only its SHA-256 is kept, with an idle and an absolute lifetime.
 */
export class SessionTokens {
  private readonly sessions = new Map<string, { user: string; createdMs: number; lastMs: number }>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly idleMs = 30 * 60_000,
    private readonly absoluteMs = 12 * 3_600_000,
  ) {}

  /** Opens a session for `user` and returns its token. */
  open(user: string): string {
    const token = `cps_${randomBytes(32).toString("base64url")}`;
    const now = this.clock();
    this.sessions.set(hash(token), { user, createdMs: now, lastMs: now });
    return token;
  }

  /** The user of a live session, refreshing its idle timer; undefined when unknown or expired. */
  verify(token: string | undefined): string | undefined {
    if (token === undefined || token.length > 200) return undefined;
    const key = hash(token);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock();
    if (now - s.lastMs > this.idleMs || now - s.createdMs > this.absoluteMs) {
      this.sessions.delete(key);
      return undefined;
    }
    s.lastMs = now;
    return s.user;
  }

  close(token: string): void {
    this.sessions.delete(hash(token));
  }
}

function hash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
