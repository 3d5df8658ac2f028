import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPeers } from "../../test/peers.ts";
import { ScaleDevices } from "./snmp-scale-device.ts";

const run = promisify(execFile);
const HOST = "127.35.251.1";
const IFX_HC_IN = "1.3.6.1.2.1.31.1.1.1.6";

// The benchmark's synthetic devices must answer as an SNMP agent does, or the poller's cost is measured against a fiction.
describeWithPeers(["snmpbulkwalk", "snmpwalk", "snmpget"], "synthetic scale devices, read by Net-SNMP's tools", () => {
  const devices = new ScaleDevices("scale-test", 300);
  let small = 0;
  let big = 0;
  beforeAll(async () => {
    small = await devices.start("edge-1", HOST, 0, 120);
    big = await devices.start("core-1", "127.35.251.2", 0, 300);
  });
  afterAll(() => devices.close());
  const snmp = async (tool: string, args: string[]) => (await run(tool, ["-v2c", "-c", "scale-test", "-On", "-t", "2", "-r", "0", ...args], { encoding: "utf8" })).stdout.trim().split("\n");

  it("walks a column with GETBULK: one row per interface of that device, in order, then stops", async () => {
    const rows = await snmp("snmpbulkwalk", ["-Cr50", `${HOST}:${small}`, IFX_HC_IN]);
    expect(rows).toHaveLength(120);
    expect(rows[0]).toMatch(/^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.6\.1 = Counter64: \d+$/);
    expect(rows[119]).toMatch(/\.6\.120 = Counter64: \d+$/);
    expect(await snmp("snmpbulkwalk", ["-Cr50", `127.35.251.2:${big}`, IFX_HC_IN])).toHaveLength(300);
  });

  it("walks the whole view with GETNEXT, the system group first and named per device", async () => {
    const rows = await snmp("snmpwalk", [`${HOST}:${small}`, "1.3.6.1.2.1"]);
    expect(rows).toHaveLength(6 + 6 * 120 + 1);
    expect(rows[4]).toBe('.1.3.6.1.2.1.1.5.0 = STRING: "edge-1"');
    expect(rows.at(-2)).toMatch(/^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.10\.120 = Counter64: \d+$/);
    expect(rows.at(-1)).toMatch(/past the end of the MIB tree/); // endOfMibView after the last interface
  });

  it("answers GET with the value or noSuchObject, and counters move with time", async () => {
    const oid = `${IFX_HC_IN}.7`;
    const first = await snmp("snmpget", [`${HOST}:${small}`, oid, "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.2.2.1.8.121"]);
    expect(first[1]).toMatch(/^\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: \(\d+\)/);
    expect(first[2]).toMatch(/No Such Object/); // interface 121 does not exist on a 120-interface device
    await new Promise((r) => setTimeout(r, 300));
    const [again] = await snmp("snmpget", [`${HOST}:${small}`, oid]);
    const value = (line: string | undefined) => Number(/Counter64: (\d+)/.exec(line ?? "")?.[1]);
    expect(value(again)).toBeGreaterThan(value(first[0]));
  });

  it("ignores a wrong community, as an agent does (the manager times out)", async () => {
    await expect(run("snmpget", ["-v2c", "-c", "wrong", "-t", "0.5", "-r", "0", `${HOST}:${small}`, "1.3.6.1.2.1.1.5.0"])).rejects.toThrow(/Timeout/);
  });
});
