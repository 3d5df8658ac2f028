import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseProcStatCpuSeconds, parseProcStatusMemory, processCpuSeconds, processPeakRssBytes, processRssBytes } from "./proc-stats.ts";

// Field 14 (utime) = 250 ticks, field 15 (stime) = 50 ticks → 3 s at USER_HZ 100.
const tail = "S 1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 10 18446744073709551615";

describe("parseProcStatCpuSeconds", () => {
  it.each([
    ["plain command name", `4242 (node) ${tail}`, 3],
    ["command name with spaces", `4242 (Web Content) ${tail}`, 3],
    ["command name with ') ' inside", `4242 (evil) 9 9) ${tail}`, 3],
  ])("%s", (_, line, seconds) => {
    expect(parseProcStatCpuSeconds(line)).toBe(seconds);
  });

  it.each([
    ["no parenthesis", "4242 node S 1", /no "\)"/],
    ["truncated line", "4242 (node) S 1 1", /fields 14, 15/],
  ])("rejects %s", (_, line, message) => {
    expect(() => parseProcStatCpuSeconds(line)).toThrow(message);
  });
});

describe("parseProcStatusMemory", () => {
  it("reads VmRSS and VmHWM in bytes", () => {
    expect(parseProcStatusMemory("Name:\tnode\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n")).toEqual({ rssBytes: 1024 * 1024, peakRssBytes: 2048 * 1024 });
  });
  it("names the missing field (kernel threads have no VmRSS)", () => {
    expect(() => parseProcStatusMemory("Name:\tkthreadd\n")).toThrow(/no "VmRSS:" line/);
  });
});

describe("reading a live process", () => {
  it("charges a busy child with the CPU it burnt, and shows its memory", async () => {
    // The child burns 400 ms of its own CPU time (not wall time: the machine is shared), says so, then idles.
    const burn = "const u = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; }; while (u() < 0.4); console.log(u()); setTimeout(() => {}, 10000)";
    const child = spawn(process.execPath, ["-e", burn], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const pid = child.pid as number;
      const own = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString()))));
      // /proc counts whole 10 ms ticks: allow one tick below what the child measured itself.
      expect(processCpuSeconds(pid)).toBeGreaterThanOrEqual(own - 0.011);
      expect(processCpuSeconds(pid)).toBeLessThan(own + 0.5);
      // RSS first, then the peak: the child may still grow between two reads, and the peak only rises.
      const rss = processRssBytes(pid);
      expect(rss).toBeGreaterThan(10 * 1024 * 1024);
      expect(processPeakRssBytes(pid)).toBeGreaterThanOrEqual(rss);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("throws for a process that does not exist", () => {
    expect(() => processCpuSeconds(2 ** 22 + 1)).toThrow(/ENOENT/);
  });
});
