/**
 * Child processes for benchmarks with a bounded lifetime: each one is killed when its
 * lifetime runs out, when it is stopped, or when the benchmark process exits, so a crashed or
 * interrupted benchmark never leaves a peer running (RELIABILITY.md: load stops by itself).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** How to run the child. */
export interface BoundedChildOptions {
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Hard cap on the child's life: SIGTERM when it runs out, SIGKILL `graceMs` later. */
  lifetimeMs: number;
  /** Time between SIGTERM and SIGKILL, on stop() and at the end of the lifetime. Default 2 s. */
  graceMs?: number;
}

/** How the child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child process. */
export interface BoundedChild {
  readonly pid: number;
  /** Settles once the child has exited (for any reason). */
  readonly exited: Promise<ChildExit>;
  /** Calls `listener` for every complete stdout line; returns an unsubscribe function. */
  onLine(listener: (line: string) => void): () => void;
  /** The next stdout line that matches; rejects after `timeoutMs` or if the child exits first. */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs: number): Promise<string>;
  /** The last few kilobytes of stderr, to explain a failure. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
  stop(): Promise<ChildExit>;
}

const STDERR_TAIL_CHARS = 4096;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // "exit" handlers must be synchronous: a plain SIGKILL is all that can be done here.
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/** Starts `command`; resolves once it is running, rejects if it cannot be started (e.g. ENOENT). */
export function startBoundedChild(command: string, options: BoundedChildOptions): Promise<BoundedChild> {
  installExitHook();
  const graceMs = options.graceMs ?? 2000;
  const child = spawn(command, options.args ?? [], { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  // Always drain stderr: a full pipe would block a chatty child (Prometheus logs a lot).
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const listeners = new Set<(line: string) => void>();
  createInterface({ input: child.stdout }).on("line", (line) => {
    for (const l of listeners) l(line);
  });

  let killTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    killTimer ??= setTimeout(() => child.kill("SIGKILL"), graceMs);
  };
  const lifetimeTimer = setTimeout(terminate, options.lifetimeMs);
  const exited = new Promise<ChildExit>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      clearTimeout(lifetimeTimer);
      if (killTimer !== undefined) clearTimeout(killTimer);
      resolve({ code, signal });
    });
  });

  const handle: BoundedChild = {
    get pid() {
      return child.pid as number;
    },
    exited,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForLine(match, timeoutMs) {
      const test = typeof match === "function" ? match : (line: string) => match.test(line);
      return new Promise<string>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          unsubscribe();
        };
        const unsubscribe = handle.onLine((line) => {
          if (!test(line)) return;
          done();
          resolve(line);
        });
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${command}: no matching output line within ${timeoutMs} ms; stderr: ${stderr.trim().slice(-500)}`));
        }, timeoutMs);
        void exited.then((e) => {
          done();
          reject(new Error(`${command} exited (code ${e.code}, signal ${e.signal}) before printing a matching line; stderr: ${stderr.trim().slice(-500)}`));
        });
      });
    },
    stderrTail: () => stderr,
    stop() {
      terminate();
      return exited;
    },
  };

  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(handle));
    child.once("error", (err) => {
      live.delete(child);
      clearTimeout(lifetimeTimer);
      reject(new Error(`cannot start ${command}: ${err.message}`));
    });
  });
}

const RUN_TS = fileURLToPath(new URL("../../bin/run-ts.js", import.meta.url));

/** Runs a TypeScript entry file of this repository in its own Node process (through bin/run-ts.js). */
export function startTypeScriptChild(entry: URL, options: BoundedChildOptions): Promise<BoundedChild> {
  return startBoundedChild(process.execPath, { ...options, args: [RUN_TS, fileURLToPath(entry), ...(options.args ?? [])] });
}
