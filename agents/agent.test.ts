import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPeers, freeUdpPort } from "../test/peers.ts";
import { Agent } from "./agent.ts";
import { parseAgentConfig } from "./config/agent-config.ts";
import { runAgent } from "./main.ts";
import { MemorySink } from "./sink.ts";
import { startSnmpd, type SnmpdPeer } from "./snmp/snmpd-peer.ts";

describeWithPeers(["snmpd"], "agent polling a static target file", () => {
  let peer: SnmpdPeer;
  let agent: Agent;
  let dir: string;
  const sink = new MemorySink();

  beforeAll(async () => {
    peer = await startSnmpd("127.30.3.1", await freeUdpPort("127.30.3.1"));
    dir = mkdtempSync(join(tmpdir(), "cityplane-agent-"));
    const dead = await freeUdpPort("127.30.3.2");
    writeFileSync(
      join(dir, "targets.yaml"),
      [
        `- {kind: snmp, id: snmp/core-01, device: core-01, host: ${peer.host}, port: ${peer.port}, auth: netops, modules: [if_mib, lldp], intervalSeconds: 1}`,
        `- {kind: snmp, id: snmp/dead-01, device: dead-01, host: 127.30.3.2, port: ${dead}, auth: netops, modules: [if_mib], intervalSeconds: 1}`,
      ].join("\n"),
    );
    const text = `name: edge-test\nlisten: 127.30.3.1:0\ntargets: targets.yaml\nlimits: {timeoutMs: 300, retries: 0}\nauths:\n  netops: {version: 3, username: ${peer.v3.username}, securityLevel: authPriv, authProtocol: sha, authPassword: ${peer.v3.authPassword}, privProtocol: aes, privPassword: ${peer.v3.privPassword}}\n`;
    const cfg = parseAgentConfig(text, "agent.yaml", dir);
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    agent = await Agent.start({ config: cfg.config, findings: cfg.findings, sink });
  });
  afterAll(async () => {
    await agent?.stop();
    await peer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships exporter-named samples with a device label, rates from the second pass, and reports the dead device without stalling", async () => {
    // Wait for everything the assertions read: the second pass of core-01 (rates) and the first
    // failed pass of dead-01. On a loaded machine the dead device's timeout can end after the
    // live device's second pass, so waiting for the rate alone is not enough.
    const ready = () => sink.sampleLog.some((s) => s.name === "ifHCInOctets:rate") && sink.sampleLog.some((s) => s.name === "cityplane_snmp_device_up" && s.labels.device === "dead-01") && sink.eventLog.some((e) => e.kind === "topology");
    for (let i = 0; i < 300 && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
    const hc = sink.sampleLog.find((s) => s.name === "ifHCInOctets");
    expect(hc?.labels).toMatchObject({ device: "core-01", ifIndex: expect.any(String), ifName: expect.any(String) });
    const rate = sink.sampleLog.find((s) => s.name === "ifHCInOctets:rate");
    expect(rate?.value).toBeGreaterThanOrEqual(0);
    // 64-bit twins present: the 32-bit octet counters are not shipped.
    expect(sink.sampleLog.some((s) => s.name === "ifInOctets" && s.labels.device === "core-01")).toBe(false);
    expect(sink.sampleLog.find((s) => s.name === "cityplane_snmp_device_info")?.labels).toMatchObject({ vendor: "net-snmp", os: "linux" });
    expect(sink.sampleLog.some((s) => s.name === "cityplane_snmp_device_up" && s.labels.device === "dead-01" && s.value === 0)).toBe(true);
    expect(sink.eventLog.filter((e) => e.type === "device-unreachable" && e.entity?.name === "dead-01")).toHaveLength(1);
    expect(sink.eventLog.some((e) => e.kind === "topology" && e.entity?.name === "core-01")).toBe(true);
    const targets = (await (await fetch(`http://${agent.address}/targets`)).json()) as { id: string; up?: boolean; lastError?: string }[];
    expect(targets.find((t) => t.id === "snmp/dead-01")).toMatchObject({ up: false, lastError: expect.stringContaining("no answer (timeout)") });
    const metrics = await (await fetch(`http://${agent.address}/metrics`)).text();
    expect(metrics).toMatch(/^cityplane_agent_polls_total\{kind="snmp",result="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^cityplane_agent_poll_errors_total\{kind="snmp",reason="timeout"\} [1-9]/m);
  });
});

it("cityplane agent lists every configuration error and exits 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-agent-cfg-"));
  try {
    writeFileSync(join(dir, "bad.yaml"), "listen: nowhere\nauths:\n  a: {version: 3, username: u, securityLevel: authNoPriv, authProtocol: md5, authPassword: longenough}\n");
    const err: string[] = [];
    const code = await runAgent(["--config", "bad.yaml"], { out: () => undefined, err: (l) => err.push(l), env: {}, cwd: dir });
    expect(code).toBe(1);
    const file = join(dir, "bad.yaml");
    expect(err).toEqual([`${file}: listen: must be HOST:PORT`, `${file}: auths.a.securityLevel: authNoPriv sends in clear text; use authPriv or mark the auth legacy: true`, `${file}: auths.a.authProtocol: md5 is refused; use sha256 (or mark the auth legacy: true)`, "3 configuration errors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
