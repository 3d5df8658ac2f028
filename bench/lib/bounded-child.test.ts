import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startBoundedChild, startTypeScriptChild } from "./bounded-child.ts";

const node = process.execPath;

describe("startBoundedChild", () => {
  it("ends a child when its lifetime runs out", async () => {
    const child = await startBoundedChild(node, { args: ["-e", "setTimeout(() => {}, 60000)"], lifetimeMs: 300 });
    expect(await child.exited).toEqual({ code: null, signal: "SIGTERM" });
    expect(existsSync(`/proc/${child.pid}`)).toBe(false);
  });

  it("kills a child that ignores SIGTERM once the grace period is over", async () => {
    const child = await startBoundedChild(node, { args: ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], lifetimeMs: 60_000, graceMs: 300 });
    await child.waitForLine(/^ready$/, 10_000);
    expect(await child.stop()).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("hands over stdout lines and waits for the one asked for", async () => {
    const child = await startBoundedChild(node, { args: ["-e", "console.log('one'); console.log('{\"port\":42}'); setTimeout(() => {}, 60000)"], lifetimeMs: 20_000 });
    try {
      expect(await child.waitForLine(/^\{"port":\d+\}$/, 10_000)).toBe('{"port":42}');
    } finally {
      await child.stop();
    }
  });

  it("says why when the child exits before printing the line, with its stderr", async () => {
    const child = await startBoundedChild(node, { args: ["-e", "console.error('bad config: no targets'); process.exit(3)"], lifetimeMs: 20_000 });
    await expect(child.waitForLine(/ready/, 10_000)).rejects.toThrow(/exited \(code 3.*bad config: no targets/s);
  });

  it("gives up waiting for a line after the timeout", async () => {
    const child = await startBoundedChild(node, { args: ["-e", "setTimeout(() => {}, 60000)"], lifetimeMs: 20_000 });
    try {
      await expect(child.waitForLine(/ready/, 200)).rejects.toThrow(/no matching output line within 200 ms/);
    } finally {
      await child.stop();
    }
  });

  it("rejects a command that does not exist, naming it", async () => {
    await expect(startBoundedChild("/nonexistent/peer-binary", { lifetimeMs: 1000 })).rejects.toThrow(/cannot start \/nonexistent\/peer-binary: .*ENOENT/);
  });
});

describe("startTypeScriptChild", () => {
  it("runs a TypeScript entry file of the repository", async () => {
    const child = await startTypeScriptChild(new URL("./static-http-server.main.ts", import.meta.url), { args: [], lifetimeMs: 20_000 });
    // Without arguments the entry prints its usage and exits 2: the file was found and ran.
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.stderrTail()).toMatch(/usage: static-http-server\.main\.ts HOST ROUTES_JSON/);
  });
});
