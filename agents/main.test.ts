import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server, type Socket as ServerSocket } from "socket.io";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AGENTS_NAMESPACE, ASSIGNMENT_EVENT, HEARTBEAT_EVENT, type Assignment, type Heartbeat } from "../protocol/assignment.schema.ts";
import { decodeWriteRequest } from "../protocol/remote-write.codec.ts";
import { describeWithPeers, freeTcpPort, freeUdpPort } from "../test/peers.ts";
import { runAgent } from "./main.ts";
import { startSnmpd, type SnmpdPeer } from "./snmp/snmpd-peer.ts";

const CP_HOST = "127.30.6.2";
const TOKEN = "canary-control-token-5be1";

/** A stand-in control plane: the `/agents` namespace plus the two ingest routes, over real HTTP. */
class FakeControlPlane {
  readonly http: HttpServer;
  readonly io: Server;
  readonly samples: { device: string; name: string; atMs: number }[] = [];
  readonly heartbeats: Heartbeat[] = [];
  socket: ServerSocket | undefined;
  port = 0;

  constructor() {
    this.http = createServer((req, res) => void this.ingest(req).then((code) => res.writeHead(code).end()));
    this.io = new Server(this.http, { transports: ["websocket"] });
    const ns = this.io.of(AGENTS_NAMESPACE);
    ns.use((s, next) => next(s.handshake.auth.token === TOKEN ? undefined : new Error("unauthorized")));
    ns.on("connection", (s) => {
      this.socket = s;
      s.on(HEARTBEAT_EVENT, (hb: Heartbeat) => this.heartbeats.push(hb));
    });
  }

  private async ingest(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return 401;
    if (req.url === "/api/v1/ingest/remote-write") {
      for (const ts of decodeWriteRequest(Buffer.concat(chunks), { maxDecodedBytes: 64 << 20 })) {
        this.samples.push({ device: ts.labels.device ?? "", name: ts.labels.__name__ ?? "", atMs: Date.now() });
      }
    }
    return 200;
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.http.listen(0, CP_HOST, r));
    this.port = (this.http.address() as AddressInfo).port;
  }

  assign(a: Assignment): Promise<unknown> {
    if (!this.socket) throw new Error("agent not connected");
    return this.socket.timeout(5000).emitWithAck(ASSIGNMENT_EVENT, a);
  }

  close(): Promise<void> {
    return new Promise((r) => void this.io.close(() => r()));
  }
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithPeers(["snmpd"], "cityplane agent with a control plane", () => {
  let peer: SnmpdPeer;
  const cp = new FakeControlPlane();
  let dir: string;
  const stop = new AbortController();
  let exited: Promise<number>;
  const log: string[] = [];
  let listen = "";

  beforeAll(async () => {
    peer = await startSnmpd("127.30.6.1", await freeUdpPort("127.30.6.1"));
    await cp.listen();
    dir = mkdtempSync(join(tmpdir(), "cityplane-agent-cp-"));
    writeFileSync(join(dir, "token"), `${TOKEN}\n`, { mode: 0o600 });
    listen = `127.30.6.1:${await freeTcpPort("127.30.6.1")}`;
    const v3 = `{version: 3, username: ${peer.v3.username}, securityLevel: authPriv, authProtocol: sha, authPassword: ${peer.v3.authPassword}, privProtocol: aes, privPassword: ${peer.v3.privPassword}}`;
    writeFileSync(join(dir, "agent.yaml"), `name: edge-cp\nlisten: ${listen}\ncontrolPlane: {url: "http://${CP_HOST}:${cp.port}", tokenFile: token, heartbeatSeconds: 1}\nlimits: {timeoutMs: 500, retries: 0}\nauths:\n  snmp-v3-netops: ${v3}\n`);
    exited = runAgent(["--config", "agent.yaml"], { out: () => undefined, err: (l) => log.push(l), env: {}, cwd: dir }, stop.signal);
    await until("the agent to connect", () => cp.socket);
  });
  afterAll(async () => {
    stop.abort();
    await exited;
    await cp.close();
    await peer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const snmp = (device: string) => ({ kind: "snmp" as const, id: `snmp:${device}`, device, host: peer.host, port: peer.port, auth: "snmp-v3-netops", modules: ["if_mib"], intervalSeconds: 1 });

  it("polls what an assignment names, drops what the next one removes, and skips targets it has no credential for", async () => {
    expect(await until("the first heartbeat", () => cp.heartbeats[0])).toMatchObject({ agent: "edge-cp", version: 0, targets: 0 });
    expect(await cp.assign({ version: 1, targets: [snmp("core-01")] })).toEqual({ ok: true, version: 1 });
    await until("samples of core-01", () => cp.samples.some((s) => s.device === "core-01" && s.name === "ifHCInOctets"));

    const unknownAuth = { ...snmp("core-03"), auth: "snmp-v3-nobody" };
    const ssh = (device: string) => ({ kind: "ssh" as const, id: `ssh:${device}`, device, host: peer.host, port: 22, auth: "ssh-netops", driver: "ios" as const, intervalSeconds: 300 });
    await cp.assign({ version: 2, targets: [snmp("core-02"), unknownAuth, ssh("ar-1"), ssh("ar-2"), ssh("ar-3"), ssh("ar-4")] });
    await until("samples of core-02", () => cp.samples.some((s) => s.device === "core-02"));
    const removedAt = Date.now();
    // Passes of core-01 may still be in flight or spooled at the switch; wait two intervals and a shipping flush.
    await new Promise((r) => setTimeout(r, 3500));
    const late = cp.samples.filter((s) => s.device === "core-01" && s.atMs > removedAt + 2500);
    expect(late).toEqual([]);
    expect(cp.samples.some((s) => s.device === "core-03")).toBe(false);
    expect(log).toContain('1 target(s) not scheduled (snmp:core-03): auth: no auth named "snmp-v3-nobody" in the agent config');
    expect(log).toContain("assignment 2: 1 of 6 target(s) scheduled");
    // Without SSH credentials every ssh target is refused, in one line rather than one per device.
    expect(log).toContain('4 target(s) not scheduled (ssh:ar-1, ssh:ar-2, ssh:ar-3, … 1 more): auth: no SSH auth named "ssh-netops" in the agent config (sshAuths)');

    const targets = (await (await fetch(`http://${listen}/targets`)).json()) as { id: string }[];
    expect(targets.map((t) => t.id)).toEqual(["snmp:core-02"]);
    const metrics = await (await fetch(`http://${listen}/metrics`)).text();
    expect(metrics).toMatch(/^cityplane_agent_spool_bytes \d+/m);
    expect(metrics).toMatch(/^cityplane_agent_control_connected 1$/m);
    expect(metrics).toMatch(/^cityplane_agent_shipped_samples_total [1-9]/m);
    expect(metrics).toMatch(/^cityplane_agent_targets\{kind="snmp"\} 1$/m);
  });

  it("refuses an invalid assignment and keeps polling the previous one", async () => {
    const ack = (await cp.assign({ version: 3, targets: [{ kind: "snmp", id: "x" }] } as unknown as Assignment)) as { ok: boolean };
    expect(ack.ok).toBe(false);
    const before = cp.samples.filter((s) => s.device === "core-02").length;
    await until("more samples of core-02", () => cp.samples.filter((s) => s.device === "core-02").length > before);
  });

  it("reports the applied assignment in its heartbeat and never logs the token", async () => {
    await until("a heartbeat reporting version 2", () => cp.heartbeats.find((h) => h.version === 2));
    expect(cp.heartbeats.find((h) => h.version === 2)).toMatchObject({ targets: 1, spoolBytes: expect.any(Number), rssBytes: expect.any(Number) });
    expect(log.join("\n")).not.toContain(TOKEN);
  });
});
