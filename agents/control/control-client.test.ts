import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AGENTS_NAMESPACE, ASSIGNMENT_EVENT, HEARTBEAT_EVENT, heartbeatSchema, type Assignment } from "../../protocol/assignment.schema.ts";
import { ControlClient, type AssignmentAck } from "./control-client.ts";

const HOST = "127.40.0.2";
const TOKEN = "canary-agent-token-91c2";

/** A real socket.io server standing in for the control plane's `/agents` namespace. */
class ControlPlane {
  readonly http: HttpServer = createServer();
  readonly io = new Server(this.http, { transports: ["websocket"] });
  readonly handshakes: { auth: Record<string, unknown>; transport: string }[] = [];
  readonly heartbeats: unknown[] = [];
  readonly sockets: ServerSocket[] = [];
  refuse = false;
  /** The token the control plane accepts (an operator rotates it). */
  accepted = TOKEN;
  port = 0;

  constructor() {
    const ns = this.io.of(AGENTS_NAMESPACE);
    ns.use((socket, next) => {
      this.handshakes.push({ auth: socket.handshake.auth, transport: socket.conn.transport.name });
      next(this.refuse || socket.handshake.auth.token !== this.accepted ? new Error("unauthorized") : undefined);
    });
    ns.on("connection", (socket) => {
      this.sockets.push(socket);
      socket.on(HEARTBEAT_EVENT, (hb: unknown) => this.heartbeats.push(hb));
    });
  }
  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(port, HOST, resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }
  get url(): string {
    return `http://${HOST}:${this.port}`;
  }
  /** The latest connected agent socket. */
  latest(): ServerSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error("no agent connected");
    return s;
  }
  close(): Promise<void> {
    return new Promise((resolve) => void this.io.close(() => resolve()));
  }
}

const assignment: Assignment = {
  version: 3,
  targets: [
    { kind: "ssh", id: "ssh:dn-core-01", device: "dn-core-01", host: "10.10.0.1", port: 22, auth: "ssh-netops", driver: "ios", intervalSeconds: 300 },
    { kind: "snmp", id: "snmp:dn-core-01", device: "dn-core-01", host: "10.10.0.1", port: 161, auth: "snmp-v3-netops", modules: ["if_mib"], intervalSeconds: 30 },
  ],
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function logCapture(): { lines: string[]; logger: { info: (f: object, m: string) => void; warn: (f: object, m: string) => void } } {
  const lines: string[] = [];
  const push = (f: object, m: string): void => void lines.push(`${m} ${JSON.stringify(f)}`);
  return { lines, logger: { info: push, warn: push } };
}

async function setup(opts: { token?: string | (() => string); heartbeatIntervalMs?: number } = {}): Promise<{ cp: ControlPlane; client: ControlClient; received: Assignment[]; lines: string[] }> {
  const cp = new ControlPlane();
  await cp.listen();
  const { lines, logger } = logCapture();
  const client = new ControlClient({
    url: cp.url,
    token: opts.token ?? TOKEN,
    agent: "agent-hai-chau",
    status: () => ({ version: 3, targets: 2, spoolBytes: 1024, rssBytes: 50e6 }),
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 60_000,
    reconnectDelayMs: 50,
    reconnectDelayMaxMs: 200,
    logger,
  });
  const received: Assignment[] = [];
  client.onAssignment((a) => received.push(a));
  cleanup.push(() => cp.close(), () => client.stop());
  client.start();
  return { cp, client, received, lines };
}

async function metric(client: ControlClient, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await client.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

describe("ControlClient against a real socket.io server", () => {
  it("authenticates over websocket and applies a valid assignment (acknowledged)", async () => {
    const { cp, client, received } = await setup();
    await vi.waitFor(() => expect(client.connected).toBe(true));
    expect(cp.handshakes[0]).toEqual({ auth: { token: TOKEN, agent: "agent-hai-chau" }, transport: "websocket" });
    const ack = (await cp.latest().timeout(2000).emitWithAck(ASSIGNMENT_EVENT, assignment)) as AssignmentAck;
    expect(ack).toEqual({ ok: true, version: 3 });
    expect(received).toEqual([assignment]);
  });

  const invalid: { name: string; payload: unknown; issue: RegExp }[] = [
    { name: "a credential smuggled into a target", payload: { ...assignment, targets: [{ ...assignment.targets[0], password: "canary-s3cret-pw" }] }, issue: /targets\.0: Unrecognized key: \\"password\\"/ },
    { name: "an unknown target kind", payload: { version: 4, targets: [{ kind: "telnet", id: "x", host: "canary-s3cret-pw" }] }, issue: /targets\.0\.kind/ },
    { name: "a port out of range", payload: { version: 4, targets: [{ ...assignment.targets[0], port: 70000 }] }, issue: /targets\.0\.port/ },
    { name: "not an object", payload: "canary-s3cret-pw", issue: /\(root\)/ },
  ];
  for (const c of invalid) {
    it(`ignores an invalid assignment (${c.name}): counted, logged without values, refused in the ack`, async () => {
      const { cp, client, received, lines } = await setup();
      await vi.waitFor(() => expect(client.connected).toBe(true));
      const ack = (await cp.latest().timeout(2000).emitWithAck(ASSIGNMENT_EVENT, c.payload)) as AssignmentAck;
      expect(ack.ok).toBe(false);
      expect(received).toEqual([]);
      expect(await metric(client, "cityplane_agent_control_assignments_total", { result: "invalid" })).toBe(1);
      expect(lines.join("\n")).toMatch(c.issue);
      expect(lines.join("\n")).not.toContain("canary-s3cret-pw");
      expect(JSON.stringify(ack)).not.toContain("canary-s3cret-pw");
      expect(client.connected).toBe(true);
    });
  }

  it("sends a schema-valid heartbeat on connect and every interval", async () => {
    const { cp } = await setup({ heartbeatIntervalMs: 40 });
    await vi.waitFor(() => expect(cp.heartbeats.length).toBeGreaterThanOrEqual(3));
    for (const hb of cp.heartbeats) expect(heartbeatSchema.parse(hb)).toEqual({ agent: "agent-hai-chau", version: 3, targets: 2, spoolBytes: 1024, rssBytes: 50e6 });
  });

  it("comes back after the server drops it on purpose, and after a server restart on the same port", async () => {
    const { cp, client, received } = await setup();
    await vi.waitFor(() => expect(client.connected).toBe(true));
    cp.latest().disconnect(true);
    await vi.waitFor(() => expect(cp.sockets.filter((s) => s.connected).length).toBe(1), { timeout: 3000 });
    const port = cp.port;
    await cp.close();
    const next = new ControlPlane();
    await next.listen(port);
    cleanup.push(() => next.close());
    await vi.waitFor(() => expect(next.sockets.length).toBe(1), { timeout: 5000 });
    next.latest().emit(ASSIGNMENT_EVENT, assignment);
    await vi.waitFor(() => expect(received).toEqual([assignment]));
  });

  it("a refused handshake is counted and retried, never crashes, and logs no token", async () => {
    const { cp, client, lines } = await setup({ token: "wrong-canary-token" });
    await vi.waitFor(() => expect(cp.handshakes.length).toBeGreaterThanOrEqual(2), { timeout: 3000 });
    expect(client.connected).toBe(false);
    expect(await metric(client, "cityplane_agent_control_connect_errors_total")).toBeGreaterThanOrEqual(2);
    expect(lines.join("\n")).toContain("unauthorized");
    expect(lines.join("\n")).not.toContain("canary-token");
  });

  it("asks for the token at every handshake: a token rotated on both sides is used by the next reconnection, no restart", async () => {
    let onDisk = TOKEN;
    const { cp, client } = await setup({ token: () => onDisk });
    await vi.waitFor(() => expect(client.connected).toBe(true), { timeout: 3000 });
    // The operator rotates the token on the control plane: the agent's session is dropped and refused.
    cp.accepted = "rotated-canary-token-7f3a";
    cp.latest().disconnect(true);
    await vi.waitFor(() => expect(cp.handshakes.filter((h) => h.auth.token === TOKEN).length).toBeGreaterThanOrEqual(2), { timeout: 3000 });
    expect(client.connected).toBe(false);
    // ...then writes the new token where the agent reads it.
    onDisk = "rotated-canary-token-7f3a";
    await vi.waitFor(() => expect(client.connected).toBe(true), { timeout: 3000 });
    expect(cp.handshakes.at(-1)?.auth).toEqual({ token: "rotated-canary-token-7f3a", agent: "agent-hai-chau" });
  });
});
