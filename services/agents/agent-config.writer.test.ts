import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { Client, Server } from "ssh2";
import { afterAll, describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../agents/config/agent-config.ts";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { simHostKey } from "../../sim/ssh/host-key.ts";
import { writeSimAgentConfig } from "./agent-config.writer.ts";

const dir = mkdtempSync(join(tmpdir(), "cityplane-agentcfg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeSimAgentConfig", () => {
  it("writes a 0600 config the agent accepts, with every inventory secret and a pinned host key per SSH device", async () => {
    const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
    const files = await writeSimAgentConfig({ dataDir: dir, inventory, seed: 7, agentName: "agent-1", token: "cpa_test-token-value", controlPlaneUrl: "http://127.50.0.8:8080", listen: "127.0.0.1:9117" });
    for (const f of [files.configPath, files.tokenPath]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readFileSync(files.tokenPath, "utf8").trim()).toBe("cpa_test-token-value");
    const loaded = loadAgentConfig(files.configPath);
    if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
    expect(loaded.findings).toEqual([]);
    expect(Object.keys(loaded.config.auths)).toEqual(["snmp-v3-netops"]);
    const sshDevices = inventory.devices.filter((d) => d.credentials.ssh !== undefined);
    const pinned = Object.values(loaded.config.sshAuths).reduce((n, a) => n + a.hostKeys.length, 0);
    expect(pinned).toBe(sshDevices.length);
    expect(Object.keys(loaded.config.sshAuths).sort()).toEqual([...new Set(sshDevices.map((d) => d.credentials.ssh!))].sort());
  });

  it("pins the fingerprint an SSH client sees from a server using the simulated device's host key", async () => {
    const inventory = await loadInventoryOrThrow("test/fixtures/inventory/valid-minimal.yaml");
    const files = await writeSimAgentConfig({ dataDir: dir, inventory, seed: 3, agentName: "agent-2", token: "cpa_x", controlPlaneUrl: "http://127.50.0.8:8080", listen: "127.0.0.1:9117" });
    const loaded = loadAgentConfig(files.configPath);
    if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
    // A real SSH server on loopback presenting core-1's seeded host key; the client records what it is shown.
    const server = new Server({ hostKeys: [simHostKey(3, "core-1")] }, (conn) => conn.on("error", () => undefined));
    await new Promise<void>((res) => server.listen(0, "127.50.0.8", () => res()));
    const port = (server.address() as { port: number }).port;
    const seen = await new Promise<string>((resolve) => {
      const client = new Client();
      let fp = "";
      client.on("error", () => resolve(fp));
      client.connect({
        host: "127.50.0.8", port, username: "x", password: "y",
        hostVerifier: (key: Buffer) => {
          fp = `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
          return false;
        },
      });
    });
    await new Promise<void>((res) => server.close(() => res()));
    expect(seen).toMatch(/^SHA256:/);
    expect(loaded.config.sshAuths["ssh-ops"]?.hostKeys).toEqual([seen, expect.stringMatching(/^SHA256:/)]);
  });
});
