import { execFile, spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { listSimCity, startSimCity } from "../../sim/sim-city.ts";
import { freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { main } from "../main.ts";
import { parseSimArgs } from "./sim.command.ts";

const run = promisify(execFile);

/** Runs the real binary; resolves with exit code and output whatever the code. */
async function cityplane(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/cityplane.js", ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("cityplane sim", () => {
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((s) => s.close()));

  it("--list --json prints every device with SNMP and SSH access, then services and nodes, starting nothing", async () => {
    const { code, stdout } = await cityplane(["sim", "--list", "--json", "--seed", "4", "--prefix", "127.22"]);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { name: string; snmp?: { host: string; v3?: { authProtocol: string } }; url?: string }[];
    expect(list.filter((x) => x.snmp)).toHaveLength(150);
    expect(list.find((x) => x.name === "dc-core-1")).toMatchObject({ role: "core-router", site: "dc", snmp: { host: "127.22.0.1", port: 1161, v3: { authProtocol: "sha", privProtocol: "aes" } }, ssh: { port: 2222, username: "netops" } });
    expect(list.find((x) => x.name === "portal")).toMatchObject({ url: "https://127.22.250.1:8443/", metricsUrl: "https://127.22.250.1:8443/metrics" });
    // Same seed, same credentials (the listing is computed, nothing random).
    expect(list).toEqual(JSON.parse(JSON.stringify([...Object.values(listSimCity(await loadInventoryOrThrow("inventory/danang.yaml"), { seed: 4, addressPrefix: "127.22" })).flat()])));
  });

  it.each([
    [["sim", "--scenario", "test/fixtures/scenarios/invalid-references.yaml"], 1, /steps\[0\]\.link: unknown link "metro-nowhere"[\s\S]*6 problems in the scenario/],
    [["sim", "--inventory", "test/fixtures/inventory/invalid-duplicate-names.yaml", "--list"], 1, /invalid-duplicate-names\.yaml:40:11: devices\[3\]\.name: duplicate device "ar-a"[\s\S]*3 problems in the inventory/],
    [["sim", "--seed", "x", "--frobnicate"], 2, /--seed: "x" is not an integer\nunknown option "--frobnicate"/],
  ])("%j exits %i listing every problem", async (args, code, message) => {
    // In-process through the CLI entry (the binary itself is exercised above and below).
    const out: string[] = [];
    const err: string[] = [];
    const exit = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: process.cwd() });
    expect(exit).toBe(code);
    expect(err.join("\n")).toMatch(message);
  });

  it("parses flags with = or a separate value", () => {
    expect(parseSimArgs(["--speed=60", "--prefix", "127.21", "--list", "--trap", "127.0.0.1:9162/3", "--syslog=127.0.0.1:5514/tcp/rfc3164"])).toEqual({
      ok: true,
      args: { list: true, json: false, speed: 60, prefix: "127.21", traps: [{ host: "127.0.0.1", port: 9162, version: "3" }], syslog: [{ host: "127.0.0.1", port: 5514, transport: "tcp", format: "rfc3164" }] },
    });
    expect(parseSimArgs(["--trap", "somewhere", "--syslog", "1.2.3.4:99999"])).toEqual({ ok: false, errors: ['--trap: "somewhere" is not HOST:PORT[/2c|/3]', '--syslog: "1.2.3.4:99999" is not HOST:PORT[/udp|/tcp][/rfc5424|/rfc3164]'] });
  });

  it("runs the whole city until SIGINT, then stops cleanly (exit 0)", async () => {
    // 127.23: the services' fixed ports (8080/8443 on .250.N) must not meet egov-service.test.ts's 127.22.
    const snmpPort = await freeUdpPort("127.23.0.1");
    const sshPort = await freeTcpPort("127.23.0.1");
    const child = spawn(process.execPath, ["bin/cityplane.js", "sim", "--prefix", "127.23", "--snmp-port", String(snmpPort), "--ssh-port", String(sshPort), "--speed", "60"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let code: number | null | undefined;
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (c) => r((code = c))));
    await vi.waitFor(
      () => {
        if (code !== undefined) throw new Error(`cityplane sim exited ${code} before starting: ${err}`);
        expect(out).toMatch(/simulated city up in \d+ ms: 150 devices, 19 services/);
      },
      { timeout: 25_000, interval: 100 },
    );
    // The default seed (1) gives the credentials the listing prints.
    const community = listSimCity(await loadInventoryOrThrow("inventory/danang.yaml"), { seed: 1 }).devices[0]?.snmp.community ?? "";
    const { stdout } = await run("snmpget", ["-v2c", "-c", community, "-Oqv", `127.23.0.1:${snmpPort}`, "1.3.6.1.2.1.1.5.0"]);
    expect(stdout.trim()).toBe('"dc-core-1"');
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("SIGINT: stopping the simulated city");
  }, 40_000);

  it("names the address and port when the SNMP port is taken", async () => {
    const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
    const port = await freeUdpPort("127.22.0.1");
    const s = createSocket("udp4");
    sockets.push(s);
    await new Promise<void>((r) => s.bind(port, "127.22.0.1", () => r()));
    await expect(startSimCity(inventory, { seed: 1, addressPrefix: "127.22", snmpPort: port, devices: (d) => d.name === "dc-core-1", services: false })).rejects.toThrow(
      "SNMP agent for dc-core-1 cannot listen on 127.22.0.1:" + port + "/udp: EADDRINUSE",
    );
  });
});
