/**
 * TCP probe with optional TLS, after blackbox_exporter's prober/tcp.go (connect only; no
 * query/expect dialogue yet).
 */
import net from "node:net";
import tls from "node:tls";
import type { IpProtocol, ProbeContext, ProbeResult, ProbeSample, Prober } from "./probe.ts";
import { deadlineSignal, earliestCertExpiry, resolveHost, secondsSince } from "./probe-net.ts";

/** The tcp module's options. */
export interface TcpProbeConfig {
  tls?: boolean;
  insecureSkipVerify?: boolean;
  preferredIpProtocol?: IpProtocol;
}

/** Splits `host:port` / `[v6]:port`. */
function splitHostPort(target: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
  if (m === null) throw new Error(`target ${JSON.stringify(target)} is not host:port`);
  return { host: m[1] as string, port: Number(m[2]) };
}

/** The TCP (and TLS-over-TCP) prober. */
export const tcpProber: Prober<TcpProbeConfig> = {
  kind: "tcp",
  async run(target: string, config: TcpProbeConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const start = performance.now();
    const signal = deadlineSignal(ctx.timeoutMs, ctx.signal);
    const samples: ProbeSample[] = [];
    let failure: string | undefined;
    let certExpiry: number | undefined;
    try {
      const { host, port } = splitHostPort(target);
      const resolved = await resolveHost(host, config.preferredIpProtocol ?? "ip4", signal);
      samples.push({ name: "probe_dns_lookup_time_seconds", value: secondsSince(start) }, { name: "probe_ip_protocol", value: resolved.family });
      await new Promise<void>((resolve, reject) => {
        const bareHost = host.replace(/^\[|\]$/g, "");
        const socket = config.tls === true
          ? tls.connect({ host: resolved.address, port, servername: net.isIP(bareHost) === 0 ? bareHost : undefined, rejectUnauthorized: config.insecureSkipVerify !== true })
          : net.connect({ host: resolved.address, port });
        // The hard deadline: whatever state the socket is in, it is destroyed.
        const onAbort = () => socket.destroy(new Error("timeout"));
        signal.addEventListener("abort", onAbort, { once: true });
        const done = (err?: Error) => {
          signal.removeEventListener("abort", onAbort);
          socket.destroy();
          if (err === undefined) resolve();
          else reject(err);
        };
        socket.once("error", done);
        socket.once(config.tls === true ? "secureConnect" : "connect", () => {
          if (config.tls === true) certExpiry = earliestCertExpiry((socket as tls.TLSSocket).getPeerCertificate(true));
          done();
        });
      });
    } catch (err) {
      failure = signal.aborted ? `timeout after ${ctx.timeoutMs} ms` : (err as Error).message;
    }
    if (certExpiry !== undefined) samples.push({ name: "probe_ssl_earliest_cert_expiry", value: certExpiry });
    const durationSeconds = secondsSince(start);
    samples.push({ name: "probe_success", value: failure === undefined ? 1 : 0 }, { name: "probe_duration_seconds", value: durationSeconds });
    return failure === undefined ? { success: true, durationSeconds, samples } : { success: false, durationSeconds, failure, samples };
  },
};
