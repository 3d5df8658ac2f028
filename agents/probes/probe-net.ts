/**
 * Network helpers shared by the probes: DNS with a deadline, certificate expiry, timing.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { PeerCertificate } from "node:tls";
import type { IpProtocol } from "./probe.ts";

/** Seconds since an origin taken with performance.now(). */
export function secondsSince(originMs: number): number {
  return (performance.now() - originMs) / 1000;
}

/** Rejects when `signal` aborts, so a non-cancellable step (DNS) cannot outlive the deadline. */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("timeout"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("timeout"));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Resolves a host name, preferring one family and falling back to the other (blackbox semantics). */
export async function resolveHost(host: string, preferred: IpProtocol, signal: AbortSignal): Promise<{ address: string; family: 4 | 6 }> {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const literal = isIP(bare);
  if (literal !== 0) return { address: bare, family: literal as 4 | 6 };
  const all = await raceAbort(lookup(bare, { all: true }), signal);
  const want = preferred === "ip6" ? 6 : 4;
  const pick = all.find((a) => a.family === want) ?? all[0];
  if (pick === undefined) throw new Error(`no address for ${bare}`);
  return { address: pick.address, family: pick.family as 4 | 6 };
}

/** Earliest notAfter (Unix seconds) over the peer's certificate chain, as probe_ssl_earliest_cert_expiry. */
export function earliestCertExpiry(cert: PeerCertificate | undefined): number | undefined {
  let earliest: number | undefined;
  const seen = new Set<string>();
  // getPeerCertificate(true) links issuers; a self-signed root points at itself.
  let c = cert as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  while (c !== undefined && c.valid_to !== undefined && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    const t = Date.parse(c.valid_to) / 1000;
    if (Number.isFinite(t) && (earliest === undefined || t < earliest)) earliest = t;
    c = c.issuerCertificate as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  }
  return earliest;
}

/** An AbortSignal for the probe's hard deadline, joined with the caller's. */
export function deadlineSignal(timeoutMs: number, outer?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(timeoutMs);
  return outer === undefined ? t : AbortSignal.any([t, outer]);
}
