/**
 * One interactive SSH session with a network device CLI (the ssh2 client adapter). Network OSes
 * want a single `shell()` with a PTY, prompt matching after every command, and `exit` to close
 * (ECOSYSTEM.md, ssh2); every wait has a deadline, so a device that hangs mid-command fails
 * its own pass instead of stalling the collector. The host key must match a pinned SHA-256
 * fingerprint (ssh2 accepts any key by default).
 */
import { createHash } from "node:crypto";
import ssh2 from "ssh2";
import type { CliDriver } from "./cli-drivers.ts";

const { Client } = ssh2;

/** Where and as whom to log in; resolved credentials, never logged. */
export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  /** Pinned host keys as OpenSSH prints them (`SHA256:base64`, the prefix optional). */
  hostKeySha256: readonly string[];
}

/** Deadlines and the name used in error messages. */
export interface CliSessionOptions {
  /** Device name for messages. */
  label: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  signal?: AbortSignal;
}

/** A failure talking to one device; the message names the device and what went wrong. */
export class CliSessionError extends Error {
  override name = "CliSessionError";
}

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of the key blob's digest. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

interface Waiter {
  matches: (buf: string) => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** See the module comment. */
export class CliSession {
  private buf = "";
  private waiter: Waiter | undefined;
  private closed = false;
  private closedPromise: Promise<void>;
  private promptRe: RegExp;

  private constructor(
    private readonly conn: ssh2.Client,
    private readonly stream: ssh2.ClientChannel,
    private readonly driver: CliDriver,
    private readonly opts: CliSessionOptions,
  ) {
    this.promptRe = driver.prompt;
    this.closedPromise = new Promise((resolve) => conn.once("close", () => resolve()));
    conn.once("close", () => {
      this.closed = true;
      this.waiter?.reject(new CliSessionError(`${opts.label}: connection closed by the device`));
    });
    stream.on("data", (chunk: Buffer) => {
      this.buf += chunk.toString("utf8");
      if (this.waiter?.matches(this.buf)) this.waiter.resolve();
    });
    // The CLI's `exit` ends the channel; OpenSSH then waits for the client to end the connection.
    stream.once("close", () => conn.end());
    stream.stderr.on("data", (chunk: Buffer) => {
      this.buf += chunk.toString("utf8");
    });
    const onAbort = (): void => this.destroy(new CliSessionError(`${opts.label}: collection aborted`));
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    conn.once("close", () => opts.signal?.removeEventListener("abort", onAbort));
  }

  /** Connects, verifies the host key, opens a PTY shell and waits for the first prompt. */
  static async open(endpoint: SshEndpoint, driver: CliDriver, opts: CliSessionOptions): Promise<CliSession> {
    const pinned = new Set(endpoint.hostKeySha256.map((k) => (k.startsWith("SHA256:") ? k : `SHA256:${k}`)));
    if (pinned.size === 0) throw new CliSessionError(`${opts.label}: no pinned host key configured; refusing to connect`);
    if (opts.signal?.aborted) throw new CliSessionError(`${opts.label}: collection aborted`);
    const conn = new Client();
    let offered: string | undefined;
    const where = `${endpoint.host}:${endpoint.port}`;
    const stream = await new Promise<ssh2.ClientChannel>((resolve, reject) => {
      const fail = (err: Error): void => {
        conn.destroy();
        reject(err);
      };
      const onAbort = (): void => fail(new CliSessionError(`${opts.label}: collection aborted`));
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      conn.once("ready", () => {
        conn.shell({ term: "vt100", rows: 24, cols: 511 }, (err, ch) => {
          opts.signal?.removeEventListener("abort", onAbort);
          if (err) return fail(new CliSessionError(`${opts.label}: shell refused: ${err.message}`));
          resolve(ch);
        });
      });
      conn.on("error", (err: Error & { level?: string }) => {
        opts.signal?.removeEventListener("abort", onAbort);
        if (offered !== undefined && !pinned.has(offered)) {
          return fail(new CliSessionError(`${opts.label}: host key ${offered} at ${where} is not one of the ${pinned.size} pinned for this device; not connecting (update the pin only after checking the device)`));
        }
        if (err.level === "client-authentication") return fail(new CliSessionError(`${opts.label}: authentication as "${endpoint.username}" refused at ${where}`));
        if (err.level === "client-timeout") return fail(new CliSessionError(`${opts.label}: no SSH handshake within ${opts.connectTimeoutMs} ms at ${where}`));
        fail(new CliSessionError(`${opts.label}: SSH to ${where} failed: ${err.message}`));
      });
      conn.connect({
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.username,
        password: endpoint.password,
        privateKey: endpoint.privateKey,
        readyTimeout: opts.connectTimeoutMs,
        keepaliveInterval: 0,
        hostVerifier: (key: Buffer) => {
          offered = sshFingerprint(key);
          return pinned.has(offered);
        },
      });
    });
    const session = new CliSession(conn, stream, driver, opts);
    try {
      await session.waitForPrompt("login");
      const m = driver.prompt.exec(session.buf);
      // From now on match the device name seen at login (with an optional IOS mode such as
      // `(config-if)`): a configuration line ending in `#` or `>` must not end a command early.
      if (m?.[1]) {
        const name = m[1].slice(0, -1).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        session.promptRe = new RegExp(`(?:^|\\n)${name}(?:\\([A-Za-z0-9-]{1,30}\\))?[>#] ?$`);
      }
      for (const cmd of driver.setup) await session.run(cmd);
    } catch (err) {
      session.destroy();
      throw err;
    }
    return session;
  }

  /** Sends one command and returns its output (without the echoed command and the prompt). */
  async run(command: string): Promise<string> {
    if (this.closed) throw new CliSessionError(`${this.opts.label}: session closed`);
    this.buf = "";
    this.stream.write(`${command}\n`);
    await this.waitForPrompt(`"${command}"`);
    const text = this.buf.replace(/\r\n?/g, "\n").replace(this.promptRe, "");
    const lines = text.split("\n");
    if (lines[0]?.trim() === command) lines.shift();
    const output = lines.join("\n");
    const refusal = this.driver.rejected.exec(output);
    if (refusal) throw new CliSessionError(`${this.opts.label}: the device rejected "${command}": ${(output.slice(refusal.index).split("\n")[0] ?? "").slice(0, 200)}`);
    return output;
  }

  /** Leaves the CLI with the driver's exit command and resolves when the connection closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stream.write(`${this.driver.exit}\n`);
    const timer = setTimeout(() => this.destroy(), 2000);
    await this.closedPromise;
    clearTimeout(timer);
  }

  /** Drops the connection at once (after a timeout or an abort). */
  destroy(reason?: Error): void {
    if (reason) this.waiter?.reject(reason);
    this.conn.destroy();
  }

  private waitForPrompt(what: string): Promise<void> {
    if (this.promptRe.test(this.buf)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new CliSessionError(`${this.opts.label}: ${what} got no prompt within ${this.opts.commandTimeoutMs} ms (device hung mid-command?)`));
        this.destroy();
      }, this.opts.commandTimeoutMs);
      this.waiter = {
        matches: (buf) => this.promptRe.test(buf),
        resolve: () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(err);
        },
      };
    });
  }
}
