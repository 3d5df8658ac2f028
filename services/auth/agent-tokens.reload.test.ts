import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ControlClient } from "../../agents/control/control-client.ts";
import { main } from "../../cli/main.ts";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from "../../protocol/remote-write.codec.ts";
import { startHarness, type Harness } from "../../test/control-plane-harness.ts";
import { AGENT_TOKENS_FILE } from "./agent-tokens.ts";
import { writeSecretFile } from "./secret-file.ts";

/**
 * A running control plane follows `cityplane agent-token` without a restart: real token file,
 * the real CLI entry, real HTTP ingest and real socket.io clients on 127.44.0.0/16.
 */
describe("agent tokens changed while the control plane runs", () => {
  let h: Harness;
  const logLines: { level: number; msg: string; err?: string }[] = [];
  const open: Socket[] = [];
  const clients: ControlClient[] = [];

  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["agent-token", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: { CITYPLANE_DATA_DIR: h.dataDir }, cwd: process.cwd() });
    return { code, out, err };
  };
  const remoteWrite = (token: string) => {
    const now = Date.now();
    const body = encodeWriteRequest([{ labels: { __name__: "ifHCInOctets", device: "core-1", ifName: "Gi0/0/0" }, samples: [{ value: 1, timestampMs: now - 1000 }] }]);
    return fetch(`${h.url}/api/v1/ingest/remote-write`, { method: "POST", body: Buffer.from(body), headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${token}` } }).then((r) => r.status);
  };
  const agentSocket = async (agent: string, token: string): Promise<Socket> => {
    const s = connect(`${h.url}/agents`, { auth: { token, agent }, transports: ["websocket"], reconnection: false, forceNew: true });
    open.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once("connect", () => resolve());
      s.once("connect_error", reject);
    });
    return s;
  };
  const disconnected = (s: Socket) => new Promise<string>((resolve) => s.once("disconnect", (reason) => resolve(reason)));

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString("utf8").split("\n")) if (line.length > 0) logLines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    h = await startHarness("127.44.0.1", "sqlite", { agentTokensPollMs: 100, logger: pino({ level: "info" }, sink) }, ["agent-2"]);
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.disconnect();
    for (const c of clients.splice(0)) await c.stop();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("accepts a newly issued token for remote-write, and answers 401 once it is revoked", async () => {
    const issued = await cli("issue", "edge-hoa-vang");
    expect(issued.code).toBe(0);
    const token = issued.out[0]!;
    await expect.poll(() => remoteWrite(token), { timeout: 10_000, interval: 100 }).toBe(204);
    expect(await cli("revoke", "edge-hoa-vang")).toMatchObject({ code: 0, out: ['token for agent "edge-hoa-vang" revoked'] });
    await expect.poll(() => remoteWrite(token), { timeout: 10_000, interval: 100 }).toBe(401);
    // Other agents are untouched.
    expect(await remoteWrite(h.agentToken)).toBe(204);
    expect(logLines.some((l) => l.msg === "agent tokens reloaded")).toBe(true);
  });

  it("drops an /agents socket whose token is revoked, and only that one", async () => {
    const one = await agentSocket("agent-1", h.agentToken);
    const two = await agentSocket("agent-2", h.extraTokens["agent-2"]!);
    const twoGone = disconnected(two);
    let oneGone = false;
    one.once("disconnect", () => (oneGone = true));
    expect((await cli("revoke", "agent-2")).code).toBe(0);
    expect(await twoGone).toBe("io server disconnect");
    // A reconnection with the revoked token is refused.
    await expect(agentSocket("agent-2", h.extraTokens["agent-2"]!)).rejects.toThrow(/unknown agent token/);
    expect(oneGone).toBe(false);
    expect(one.connected).toBe(true);
  });

  it("drops an agent whose token is rotated; the agent comes back with the new token from its token file", async () => {
    const tokenFile = join(h.dataDir, "edge-son-tra.token");
    expect((await cli("issue", "edge-son-tra", "--out", tokenFile)).code).toBe(0);
    await expect.poll(() => remoteWrite(readFileSync(tokenFile, "utf8").trim()), { timeout: 10_000, interval: 100 }).toBe(204);
    const connected: string[] = [];
    const client = new ControlClient({
      url: h.url, agent: "edge-son-tra", token: () => readFileSync(tokenFile, "utf8").trim(),
      status: () => ({ version: 0, targets: 0, spoolBytes: 0, rssBytes: 1 }), reconnectDelayMs: 100, reconnectDelayMaxMs: 300,
      logger: { info: (_f, msg) => connected.push(msg), warn: (_f, msg) => connected.push(msg) },
    });
    clients.push(client);
    client.start();
    await expect.poll(() => (client.connected ? 1 : 0), { timeout: 10_000 }).toBe(1);
    // The operator rotates the token straight into the agent's token file.
    expect((await cli("issue", "edge-son-tra", "--out", tokenFile)).code).toBe(0);
    await expect.poll(() => connected.filter((m) => m === "control: connected").length, { timeout: 10_000, interval: 50 }).toBe(2);
    expect(connected).toEqual(["control: connected", "control: disconnected", "control: connected"]);
    expect(client.connected).toBe(true);
  });

  it("keeps the tokens in force when the file is damaged, logging one error", async () => {
    const path = join(h.dataDir, AGENT_TOKENS_FILE);
    const good = readFileSync(path, "utf8");
    const errorsBefore = logLines.filter((l) => l.level >= 50).length;
    // Replaced by rename: a write in place could be seen half done, and logged twice.
    await writeSecretFile(path, good.slice(0, good.length / 2));
    await expect.poll(() => logLines.filter((l) => l.level >= 50).length, { timeout: 10_000, interval: 50 }).toBe(errorsBefore + 1);
    const error = logLines.filter((l) => l.level >= 50).at(-1)!;
    expect(error.msg).toBe("agent token file not reloaded; the previous tokens stay in force until it is fixed");
    expect(error.err).toMatch(/agent-tokens\.json: /);
    await new Promise((r) => setTimeout(r, 500));
    expect(logLines.filter((l) => l.level >= 50).length).toBe(errorsBefore + 1);
    expect(await remoteWrite(h.agentToken)).toBe(204);
    // Fixed again: a token issued now works.
    await writeSecretFile(path, good);
    const issued = await cli("issue", "edge-lien-chieu");
    await expect.poll(() => remoteWrite(issued.out[0]!), { timeout: 10_000, interval: 100 }).toBe(204);
  });
});
