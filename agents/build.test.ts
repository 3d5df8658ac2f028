import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_EXTERNALS, buildAgent, forbiddenInputs } from "./build.ts";

const meta = (...paths: string[]): Metafile => ({ inputs: Object.fromEntries(paths.map((p) => [p, { bytes: 1, imports: [] }])), outputs: {} });

describe("agent bundle", () => {
  let dir: string;
  let built: Awaited<ReturnType<typeof buildAgent>>;
  beforeAll(async () => {
    // Inside the checkout, as a deployment has it: the external libraries resolve from node_modules.
    mkdirSync(join(import.meta.dirname, "../dist"), { recursive: true });
    dir = mkdtempSync(join(import.meta.dirname, "../dist/test-build-"));
    built = await buildAgent(join(dir, "cityplane-agent.mjs"));
  }, 25_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [["agents/main.ts", "protocol/remote-write.codec.ts", "node_modules/zod/v4/index.js"], []],
    [["agents/main.ts", "services/store/store.ts"], ["services/store/store.ts"]],
    [["stacks/index.ts", "console/src/main.ts", "sim/sim-city.ts", "agents/x.ts"], ["stacks/index.ts", "console/src/main.ts", "sim/sim-city.ts"]],
  ])("forbiddenInputs(%j) = %j", (inputs, expected) => {
    expect(forbiddenInputs(meta(...inputs))).toEqual(expected);
  });

  it("holds the agent and none of the control plane, stacks, console, simulator or CLI; protocol libraries stay external", () => {
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs).toContain("agents/main.ts");
    expect(forbiddenInputs(built.metafile)).toEqual([]);
    for (const ext of AGENT_EXTERNALS) expect(inputs.filter((p) => p.startsWith(`node_modules/${ext}/`))).toEqual([]);
  });

  it("runs on its own: refuses a bad config with every error, and serves /healthz with a good one", async () => {
    let health = 0;
    const run = (args: string[], untilLine?: RegExp) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = spawn(process.execPath, [built.outfile, ...args], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        p.stderr.setEncoding("utf8");
        p.stderr.on("data", (d: string) => {
          err += d;
          const m = untilLine?.exec(err);
          if (m) void fetch(`${m[1]}/healthz`).then((r) => (health = r.status), () => (health = -1)).finally(() => p.kill("SIGTERM"));
        });
        p.once("exit", (code) => resolve({ code, err }));
      });
    writeFileSync(join(dir, "bad.yaml"), "listen: nowhere\nauths: {}\ncolour: blue\n");
    const bad = await run(["--config", "bad.yaml"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("listen: must be HOST:PORT");
    expect(bad.err).toContain("colour: unknown key");
    writeFileSync(join(dir, "good.yaml"), "name: edge-bundle\nlisten: 127.30.8.2:0\nauths: {}\n");
    const good = await run(["--config", "good.yaml"], /serving .* on (http:\/\/127\.30\.8\.2:\d+)/);
    expect(good.err).toMatch(/cityplane agent edge-bundle serving/);
    expect(health).toBe(200);
    expect(good.code).toBe(0); // SIGTERM: a clean stop
  });
});
