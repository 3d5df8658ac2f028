import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { describe, it } from "vitest";

/**
 * Real peers (snmpd, snmptrap, prometheus, sshd, PostgreSQL…) come from Debian. Locally a test
 * whose peer is missing is skipped with a message; in CI (`CI_REQUIRE_PEERS=1`) it fails, so a
 * missing install step can never turn into a silently green run.
 */
export const REQUIRE_PEERS = process.env.CI_REQUIRE_PEERS === "1";

const found = new Map<string, string | undefined>();

/** Absolute path of a peer binary (also looked up in sbin and Debian's postgres bin), or undefined. */
export function peerPath(bin: string): string | undefined {
  if (found.has(bin)) return found.get(bin);
  let path: string | undefined;
  try {
    const extra = "/usr/sbin:/sbin:/usr/lib/postgresql/15/bin:/usr/lib/postgresql/16/bin:/usr/lib/postgresql/17/bin";
    path = execFileSync("sh", ["-c", `command -v ${bin}`], { env: { ...process.env, PATH: `${process.env.PATH}:${extra}` } }).toString().trim() || undefined;
  } catch {
    path = undefined;
  }
  found.set(bin, path);
  return path;
}

/** `describe` that runs only when every peer binary is present (fails instead under CI_REQUIRE_PEERS=1). */
export function describeWithPeers(peers: string[], name: string, fn: () => void): void {
  const missing = peers.filter((p) => peerPath(p) === undefined);
  describeWithPeer(missing.length === 0 ? undefined : `peer(s) not installed: ${missing.join(", ")}; install them in .ci/run`, name, fn);
}

/**
 * `describe` guarded by a peer check: `problem` is undefined when the peer is there, else why
 * not. Locally the suite is skipped with that message; under CI_REQUIRE_PEERS=1 it fails.
 */
export function describeWithPeer(problem: string | undefined, name: string, fn: () => void): void {
  if (problem !== undefined && REQUIRE_PEERS) {
    describe(name, () => {
      it("needs its peer", () => {
        throw new Error(`${problem} (CI_REQUIRE_PEERS=1)`);
      });
    });
    return;
  }
  if (problem !== undefined) console.warn(`skipping "${name}": ${problem}`);
  describe.skipIf(problem !== undefined)(name, fn);
}

/** A TCP port free right now on `host` (the OS picks it); shared with the benchmarks, which cannot import vitest. */
export { freeTcpPort } from "../bench/lib/peers.ts";

/** A UDP port free right now on `host` (net-snmp's Agent binds 161 when given port 0, so tests ask first). */
export async function freeUdpPort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket("udp4");
    sock.once("error", reject);
    sock.bind(0, host, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}
