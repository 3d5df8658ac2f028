/**
 * Finding the Debian peers a benchmark compares against, and free loopback ports for them.
 * (test/peers.ts does the same for tests but imports vitest, which benchmarks must not.)
 */
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

const EXTRA_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/** Absolute path of an executable on PATH (or in the sbin directories), or undefined when absent. */
export function findBinary(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of [...path.split(delimiter).filter((d) => d !== ""), ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A TCP port free right now on `host` (the OS picks it), for peers that need a port number up front. */
export function freeTcpPort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
