import { io as connect, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from "../protocol/remote-write.codec.ts";
import { ASSIGNMENT_EVENT, HEARTBEAT_EVENT, assignmentSchema, type Assignment } from "../protocol/assignment.schema.ts";
import { startHarness, type Harness } from "./control-plane-harness.ts";

/** The socket.io namespaces over real loopback websockets: agent assignment and the live console. */
describe("control plane sockets", () => {
  let h: Harness;
  let secondToken: string;
  const open: Socket[] = [];

  function client(ns: string, auth: Record<string, unknown>, extraHeaders: Record<string, string> = {}): Socket {
    const s = connect(`${h.url}${ns}`, { auth, transports: ["websocket"], reconnection: false, extraHeaders, forceNew: true });
    open.push(s);
    return s;
  }
  const connected = (s: Socket) => new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", (err) => reject(err));
  });
  const refused = (s: Socket) => new Promise<string>((resolve, reject) => {
    s.once("connect", () => reject(new Error("connected but should have been refused")));
    s.once("connect_error", (err) => resolve(err.message));
  });
  const nextAssignment = (s: Socket) => new Promise<Assignment>((resolve) => s.once(ASSIGNMENT_EVENT, (a: unknown) => resolve(assignmentSchema.parse(a))));

  beforeAll(async () => {
    h = await startHarness("127.50.0.3", "sqlite", { heartbeatIntervalMs: 300 }, ["agent-2"]);
    secondToken = h.extraTokens["agent-2"]!;
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ["/agents", { token: "cpa_wrong", agent: "agent-1" }, /unknown agent token/],
    ["/agents", {}, /unknown agent token/],
    ["/console", {}, /valid session or agent token/],
    ["/console", { token: "cps_forged" }, /valid session or agent token/],
    ["/", {}, /use the \/agents or \/console namespace/],
  ])("refuses %s with auth %j", async (ns, auth, message) => {
    expect(await refused(client(ns, auth))).toMatch(message);
  });

  it("refuses a token presented under another agent's name, and a foreign Origin", async () => {
    expect(await refused(client("/agents", { token: h.agentToken, agent: "agent-2" }))).toMatch(/unknown agent token/);
    expect(await refused(client("/console", { token: h.agentToken }, { origin: "https://evil.example" }))).toMatch(/origin not allowed/);
  });

  it("gives one agent every target, splits them when a second joins, and moves a silent agent's share back", async () => {
    const a = client("/agents", { token: h.agentToken, agent: "agent-1" });
    const firstA = nextAssignment(a);
    await connected(a);
    const all = (await firstA).targets.map((t) => t.id).sort();
    expect(all).toEqual(["snmp:ar-a", "snmp:core-1", "snmp:dist-1", "ssh:core-1", "ssh:dist-1"]);
    // agent-1 keeps heartbeating; agent-2 connects and then says nothing.
    const beat = setInterval(() => a.emit(HEARTBEAT_EVENT, { agent: "agent-1", version: 1, targets: 0, spoolBytes: 0, rssBytes: 1 }), 100);
    try {
      const shrunk = nextAssignment(a);
      const b = client("/agents", { token: secondToken, agent: "agent-2" });
      const firstB = nextAssignment(b);
      await connected(b);
      const bTargets = (await firstB).targets.map((t) => t.id);
      const aTargets = (await shrunk).targets.map((t) => t.id);
      expect([...aTargets, ...bTargets].sort()).toEqual(all);
      expect(bTargets.length).toBeGreaterThan(0);
      // Two silent intervals (600 ms) later agent-1 owns everything again.
      const back = await nextAssignment(a);
      expect(back.targets.map((t) => t.id).sort()).toEqual(all);
    } finally {
      clearInterval(beat);
    }
  });

  it("pushes ingested events and state changes to subscribed console sockets only", async () => {
    const login = await fetch(`${h.url}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: h.adminPassword }) });
    const { token } = (await login.json()) as { token: string };
    const subscribed = client("/console", { token });
    const bystander = client("/console", { token });
    await Promise.all([connected(subscribed), connected(bystander)]);
    const ack = (await subscribed.timeout(2000).emitWithAck("subscribe", { topics: ["events", "states"] })) as { ok: boolean; topics: string[] };
    expect(ack).toEqual({ ok: true, topics: ["events", "states"] });
    const bad = (await bystander.timeout(2000).emitWithAck("subscribe", { topics: ["passwords"] })) as { ok: boolean; error: string };
    expect(bad.ok).toBe(false);
    const heardByBystander: unknown[] = [];
    bystander.on("events", (e) => heardByBystander.push(e));
    bystander.on("states", (e) => heardByBystander.push(e));

    const gotEvent = new Promise<{ id: string }[]>((resolve) => subscribed.once("events", resolve));
    const gotState = new Promise<{ entity: { name: string }; reporting: string }[]>((resolve) => subscribed.once("states", resolve));
    const now = Date.now();
    const ev = { id: "live-0000000001", ts: now, kind: "trap", type: "linkDown", severity: "major", security: false, agent: "agent-1", message: "link down", attributes: {} };
    const r1 = await fetch(`${h.url}/api/v1/ingest/events`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${h.agentToken}` }, body: JSON.stringify({ events: [ev] }) });
    expect(r1.status).toBe(200);
    const body = Buffer.from(encodeWriteRequest([{ labels: { __name__: "sysUpTime", device: "dist-1" }, samples: [{ value: 1, timestampMs: now }] }]));
    const r2 = await fetch(`${h.url}/api/v1/ingest/remote-write`, { method: "POST", headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${h.agentToken}` }, body });
    expect(r2.status).toBe(204);
    expect((await gotEvent).map((e) => e.id)).toEqual([ev.id]);
    expect(await gotState).toMatchObject([{ change: "reporting", entity: { name: "dist-1" }, reporting: "reporting" }]);
    expect(heardByBystander).toEqual([]);

    // Logging out ends the socket's rights: its next event is refused and it is disconnected.
    await fetch(`${h.url}/api/v1/session`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    const gone = new Promise<string>((resolve) => subscribed.once("disconnect", (reason) => resolve(reason)));
    subscribed.emit("subscribe", { topics: ["alerts"] });
    expect(await gone).toBe("io server disconnect");
  });
});
