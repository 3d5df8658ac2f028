import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../sim/sim-city.ts";
import { simHostKey } from "../sim/ssh/host-key.ts";
import { freeTcpPort, freeUdpPort } from "../test/peers.ts";
import { Agent } from "./agent.ts";
import { parseAgentConfig } from "./config/agent-config.ts";
import { MemorySink } from "./sink.ts";
import { sshFingerprint } from "./ssh/cli-session.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const SEED = 23;
const PREFIX = "127.33";
const ROUTER = "dist-hai-chau";
const OTHER = "ar-ubnd";

/** The OpenSSH fingerprint of a simulated device's seeded host key, as an operator would pin it. */
function pinned(device: string): string {
  const key = ssh2.utils.parseKey(simHostKey(SEED, device));
  return sshFingerprint(((Array.isArray(key) ? key[0] : key) as ssh2.ParsedKey).getPublicSSH());
}

describe("an agent with SNMP and SSH targets against the simulated city", () => {
  let city: SimCity;
  let agent: Agent;
  let dir: string;
  const sink = new MemorySink();
  const log: string[] = [];

  beforeAll(async () => {
    const trapPort = await freeUdpPort(`${PREFIX}.255.2`);
    city = await startSimCity(inventory, {
      trapReceivers: [{ host: `${PREFIX}.255.2`, port: trapPort, version: "3" }],
      seed: SEED,
      addressPrefix: PREFIX,
      snmpPort: await freeUdpPort(`${PREFIX}.0.1`),
      sshPort: await freeTcpPort(`${PREFIX}.0.1`),
      devices: (d) => d.name === ROUTER || d.name === OTHER,
      services: false,
    });
    const dev = (n: string) => city.listing.devices.find((d) => d.name === n) as SimDeviceInfo;
    const r = dev(ROUTER);
    const o = dev(OTHER);
    const ssh = r.ssh as NonNullable<SimDeviceInfo["ssh"]>;
    const v3 = r.snmp.v3 as NonNullable<SimDeviceInfo["snmp"]["v3"]>;
    dir = mkdtempSync(join(tmpdir(), "cityplane-agent-sim-"));
    writeFileSync(
      join(dir, "targets.yaml"),
      [
        `- {kind: snmp, id: "snmp:${ROUTER}", device: ${ROUTER}, host: ${r.snmp.host}, port: ${r.snmp.port}, auth: snmp-v3-netops, modules: [system, if_mib, lldp], intervalSeconds: 1}`,
        `- {kind: ssh, id: "ssh:${ROUTER}", device: ${ROUTER}, host: ${ssh.host}, port: ${ssh.port}, auth: ssh-netops, driver: ios, intervalSeconds: 8}`,
        // Its host key is not pinned: the agent must refuse to log in.
        `- {kind: ssh, id: "ssh:${OTHER}", device: ${OTHER}, host: ${o.ssh?.host}, port: ${o.ssh?.port}, auth: ssh-netops, driver: ios, intervalSeconds: 8}`,
      ].join("\n"),
    );
    const text = [
      "name: edge-sim",
      `listen: ${PREFIX}.255.1:0`,
      "targets: targets.yaml",
      `traps: {listen: "${PREFIX}.255.2:${trapPort}", auths: [snmp-v3-netops]}`,
      "auths:",
      `  snmp-v3-netops: {version: 3, username: ${v3.user}, securityLevel: authPriv, authProtocol: sha, authPassword: ${v3.authKey}, privProtocol: aes, privPassword: ${v3.privKey}}`,
      "sshAuths:",
      `  ssh-netops: {username: ${ssh.username}, password: ${ssh.password}, hostKeys: ["${pinned(ROUTER)}"]}`,
    ].join("\n");
    const cfg = parseAgentConfig(text, "agent.yaml", dir);
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    agent = await Agent.start({ config: cfg.config, findings: cfg.findings, sink, log: (l) => log.push(l) });
  }, 25_000);
  afterAll(async () => {
    await agent?.stop();
    await city?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records the router's configuration baseline over SSH with the pinned host key, refuses the unpinned device, and polls SNMP alongside", async () => {
    const metricsText = async () => (await fetch(`http://${agent.address}/metrics`)).text();
    for (let i = 0; i < 100; i++) {
      const sshRefused = /^cityplane_agent_polls_total\{kind="ssh",result="error"\} [1-9]/m.test(await metricsText());
      if (sshRefused && sink.eventLog.some((e) => e.type === "config-baseline") && sink.sampleLog.some((s) => s.name === "ifHCInOctets:rate")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const baseline = sink.eventLog.filter((e) => e.type === "config-baseline");
    expect(baseline.map((e) => e.entity?.name)).toEqual([ROUTER]);
    expect(sink.sampleLog.some((s) => s.name === "cityplane_ssh_config_unsaved" && s.labels.device === ROUTER)).toBe(true);
    expect(sink.sampleLog.some((s) => s.name === "ifHCInOctets:rate" && s.labels.device === ROUTER)).toBe(true);
    const metrics = await metricsText();
    expect(metrics).toMatch(/^cityplane_agent_polls_total\{kind="ssh",result="error"\} [1-9]/m); // the unpinned device
    expect(metrics).toMatch(/^cityplane_agent_polls_total\{kind="ssh",result="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^cityplane_agent_targets\{kind="ssh"\} 2$/m);
    // Credentials never leave the agent: not in events, samples, metrics or logs.
    const password = (city.listing.devices.find((d) => d.name === ROUTER)?.ssh?.password ?? "unset") as string;
    expect(JSON.stringify([sink.eventLog, sink.sampleLog, log]) + metrics).not.toContain(password);
  });

  it("names the device a trap came from by the address its targets poll", async () => {
    const link = inventory.links.find((l) => l.a.device === ROUTER || l.b.device === ROUTER);
    if (!link) throw new Error("router has no link");
    city.setLinkCut(link.name, true);
    try {
      for (let i = 0; i < 100 && !sink.eventLog.some((e) => e.type === "linkDown"); i++) await new Promise((r) => setTimeout(r, 50));
      expect(sink.eventLog.find((e) => e.type === "linkDown")).toMatchObject({ kind: "trap", entity: { kind: "device", name: ROUTER } });
    } finally {
      city.setLinkCut(link.name, false);
    }
  });
});
