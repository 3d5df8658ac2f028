/**
 * CPU time and memory of another process, read from Linux procfs (proc(5)). Benchmarks use
 * these to charge each side of a comparison with exactly its own process's work, whatever
 * else the (shared) machine is doing.
 */
import { readFileSync } from "node:fs";

/**
 * Clock ticks per second of utime/stime in /proc/<pid>/stat. USER_HZ is 100 on every Linux
 * architecture Node runs on (it is fixed in the kernel ABI, independent of CONFIG_HZ).
 */
export const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from the text of /proc/<pid>/stat. */
export function parseProcStatCpuSeconds(stat: string): number {
  // Field 2 (comm) is in parentheses and may itself hold spaces or ")": split after the LAST ")".
  const close = stat.lastIndexOf(")");
  if (close < 0) throw new Error("not a /proc/<pid>/stat line: no \")\" after the command name");
  const rest = stat.slice(close + 2).split(" ");
  // rest[0] is field 3 (state), so field 14 (utime) is rest[11] and field 15 (stime) rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error("not a /proc/<pid>/stat line: utime/stime (fields 14, 15) are not integers");
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** Resident and peak resident memory in bytes, from the text of /proc/<pid>/status. */
export function parseProcStatusMemory(status: string): { rssBytes: number; peakRssBytes: number } {
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
    if (m === null) throw new Error(`not a /proc/<pid>/status text: no "${field}:" line`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
}

/** CPU seconds (user + system) process `pid` has used so far; throws if it does not exist. */
export function processCpuSeconds(pid: number): number {
  return parseProcStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** Current resident set size of process `pid`, in bytes. */
export function processRssBytes(pid: number): number {
  return parseProcStatusMemory(readFileSync(`/proc/${pid}/status`, "utf8")).rssBytes;
}

/** Peak resident set size (VmHWM) of process `pid`, in bytes. */
export function processPeakRssBytes(pid: number): number {
  return parseProcStatusMemory(readFileSync(`/proc/${pid}/status`, "utf8")).peakRssBytes;
}
