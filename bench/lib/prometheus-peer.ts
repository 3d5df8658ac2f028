/**
 * Debian's Prometheus as a benchmark peer: a throw-away configuration and storage directory,
 * a bounded lifetime, and its own /metrics read back as numbers.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseExposition } from "../../agents/prometheus/exposition-parser.ts";
import { startBoundedChild, type BoundedChild } from "./bounded-child.ts";
import { findBinary, freeTcpPort } from "./peers.ts";

/** One scrape job on static targets. */
export interface PrometheusJob {
  name: string;
  /**
   * Each target's `host:port`, its own metrics path if it differs from the job's, and extra
   * target labels. Targets that differ only by path need a label that tells them apart:
   * `__metrics_path__` is dropped after relabelling, so their series would collide.
   */
  targets: Array<{ address: string; metricsPath?: string; labels?: Record<string, string> }>;
  metricsPath: string;
}

/** How to run the peer. */
export interface PrometheusPeerOptions {
  /** Loopback address to listen on (its web port is chosen free on it). */
  host: string;
  jobs: PrometheusJob[];
  scrapeIntervalSeconds: number;
  scrapeTimeoutSeconds: number;
  /**
   * "server": the default, scraped samples go to the local TSDB (head, WAL, compression).
   * "agent": `--enable-feature=agent`, samples only go to a write-ahead log for remote write;
   * the lightest way Prometheus can scrape.
   */
  mode: "server" | "agent";
  /** Where the storage directory is created; default the OS temporary directory. */
  storageParent?: string;
  extraArgs?: string[];
  lifetimeMs: number;
}

/** A running, ready Prometheus. */
export interface PrometheusPeer {
  readonly child: BoundedChild;
  readonly url: string;
  /** Its configuration and storage directory (deleted by stop()). */
  readonly dir: string;
  /** Sum over all series of each metric family in Prometheus's own /metrics. */
  selfMetrics(): Promise<Map<string, number>>;
  /** Stops the process and deletes its configuration and storage. */
  stop(): Promise<void>;
}

/** The Prometheus binary, or undefined when it is not installed (the benchmark is then skipped). */
export function findPrometheus(): string | undefined {
  return findBinary("prometheus");
}

/** Starts Prometheus and waits until /-/ready answers 200. */
export async function startPrometheus(options: PrometheusPeerOptions): Promise<PrometheusPeer> {
  const bin = findPrometheus();
  if (bin === undefined) throw new Error("prometheus is not installed (Debian package prometheus)");
  const dir = mkdtempSync(join(options.storageParent ?? tmpdir(), "cityplane-bench-prometheus-"));
  const config = {
    global: { scrape_interval: `${options.scrapeIntervalSeconds}s`, scrape_timeout: `${options.scrapeTimeoutSeconds}s` },
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.name,
      metrics_path: j.metricsPath,
      // A `__metrics_path__` target label overrides the job's metrics_path for that target.
      static_configs: j.targets.map((t) => ({ targets: [t.address], labels: { ...t.labels, ...(t.metricsPath === undefined ? {} : { __metrics_path__: t.metricsPath }) } })),
    })),
  };
  writeFileSync(join(dir, "prometheus.yml"), stringify(config));
  const port = await freeTcpPort(options.host);
  const url = `http://${options.host}:${port}`;
  const storage = options.mode === "agent" ? ["--enable-feature=agent", `--storage.agent.path=${join(dir, "data")}`] : [`--storage.tsdb.path=${join(dir, "data")}`];
  const args = [`--config.file=${join(dir, "prometheus.yml")}`, ...storage, `--web.listen-address=${options.host}:${port}`, "--log.level=warn", ...(options.extraArgs ?? [])];
  let child: BoundedChild;
  try {
    child = await startBoundedChild(bin, { args, lifetimeMs: options.lifetimeMs });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const stop = async (): Promise<void> => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, 15_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    child,
    url,
    dir,
    stop,
    async selfMetrics() {
      const res = await fetch(`${url}/metrics`, { headers: { accept: "text/plain;version=0.0.4" }, signal: AbortSignal.timeout(5000) });
      const sums = new Map<string, number>();
      for (const s of parseExposition(await res.text(), "text").samples) sums.set(s.name, (sums.get(s.name) ?? 0) + s.value);
      return sums;
    },
  };
}

async function waitReady(url: string, child: BoundedChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus at ${url} not ready within ${timeoutMs} ms${exited ? " (it exited)" : ""}: ${child.stderrTail().trim().slice(-500)}`);
}
