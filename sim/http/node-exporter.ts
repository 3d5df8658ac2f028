import { createServer } from "node:http";
import type { SimClock } from "../sim-clock.ts";
import { between } from "../model/seeded-random.ts";

/** What a scenario can change on a node. */
export interface NodeFaults {
  /** Bytes per simulated second written to /var/lib/containerd (a filling disk). */
  diskFillBytesPerSecond: number;
}

export interface NodeExporter {
  faults: NodeFaults;
  close(): Promise<void>;
}

const GiB = 1024 ** 3;

/**
 * node_exporter-style metrics for one k8s node (names and labels as node_exporter 1.x writes
 * them), computed from simulated time at each scrape: CPU seconds by mode, memory, filesystems.
 */
export function startNodeExporter(opts: { name: string; host: string; port: number; clock: SimClock; seed: number; bootMs: number }): Promise<NodeExporter> {
  const { name, clock, seed } = opts;
  const cpus = 32;
  const memTotal = 256 * GiB;
  const fsSize = 900 * GiB;
  const baseUsed = between(seed, `${name}/fs`, 0.35, 0.55) * fsSize;
  const faults: NodeFaults = { diskFillBytesPerSecond: 0 };
  let filled = 0;
  let lastMs = clock.nowMs();

  function render(): string {
    const now = clock.nowMs();
    filled += (faults.diskFillBytesPerSecond * Math.max(0, now - lastMs)) / 1000;
    lastMs = now;
    const up = (now - opts.bootMs) / 1000;
    const busy = between(seed, `${name}/cpu`, 0.2, 0.45) * (1 + 0.3 * Math.sin((now / 86_400_000) * 2 * Math.PI));
    const lines: string[] = [
      "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.",
      "# TYPE node_cpu_seconds_total counter",
    ];
    for (let c = 0; c < cpus; c++) {
      const share = { idle: 1 - busy, user: busy * 0.7, system: busy * 0.25, iowait: busy * 0.05 };
      for (const [mode, s] of Object.entries(share)) lines.push(`node_cpu_seconds_total{cpu="${c}",mode="${mode}"} ${(up * s).toFixed(2)}`);
    }
    const avail = memTotal * (0.55 - 0.2 * busy);
    lines.push(
      "# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.",
      "# TYPE node_memory_MemTotal_bytes gauge",
      `node_memory_MemTotal_bytes ${memTotal}`,
      "# HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.",
      "# TYPE node_memory_MemAvailable_bytes gauge",
      `node_memory_MemAvailable_bytes ${Math.round(avail)}`,
      "# HELP node_load1 1m load average.",
      "# TYPE node_load1 gauge",
      `node_load1 ${(busy * cpus).toFixed(2)}`,
      "# HELP node_boot_time_seconds Node boot time, in unixtime.",
      "# TYPE node_boot_time_seconds gauge",
      `node_boot_time_seconds ${Math.floor(opts.bootMs / 1000)}`,
    );
    const fs = [
      { device: "/dev/sda2", mountpoint: "/", size: 100 * GiB, used: 31 * GiB },
      { device: "/dev/sdb1", mountpoint: "/var/lib/containerd", size: fsSize, used: Math.min(fsSize, baseUsed + filled) },
    ];
    lines.push("# HELP node_filesystem_size_bytes Filesystem size in bytes.", "# TYPE node_filesystem_size_bytes gauge");
    for (const f of fs) lines.push(`node_filesystem_size_bytes{device="${f.device}",fstype="ext4",mountpoint="${f.mountpoint}"} ${f.size}`);
    lines.push("# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.", "# TYPE node_filesystem_avail_bytes gauge");
    for (const f of fs) lines.push(`node_filesystem_avail_bytes{device="${f.device}",fstype="ext4",mountpoint="${f.mountpoint}"} ${Math.round(f.size - f.used)}`);
    return `${lines.join("\n")}\n`;
  }

  const server = createServer((req, res) => {
    if ((req.url ?? "/").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("Not Found");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    res.end(render());
  });
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new Error(`node exporter for ${name} cannot listen on ${opts.host}:${opts.port}/tcp: ${err.code ?? err.message}`)));
    server.listen(opts.port, opts.host, () => {
      server.on("error", () => undefined);
      resolve({ faults, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}
