/**
 * HTTP(S) probe, after blackbox_exporter's prober/http.go: status check, body regexes, phase
 * timings (`resolve`, `connect`, `tls`, `processing` = until the first response byte,
 * `transfer` = until the last) and the certificate's expiry.
 */
import http from "node:http";
import https from "node:https";
import { isIP, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { IpProtocol, ProbeContext, ProbeResult, ProbeSample, Prober } from "./probe.ts";
import { deadlineSignal, earliestCertExpiry, resolveHost, secondsSince } from "./probe-net.ts";

/** The http module's options (names follow blackbox's YAML in camelCase). */
export interface HttpProbeConfig {
  /** Accepted status codes; empty or absent means any 2xx, as in blackbox. */
  validStatusCodes?: number[];
  method?: "GET" | "HEAD" | "POST";
  headers?: Record<string, string>;
  failIfBodyMatchesRegexp?: string[];
  failIfBodyNotMatchesRegexp?: string[];
  /** Accept self-signed or expired certificates (the simulated city's services). */
  insecureSkipVerify?: boolean;
  preferredIpProtocol?: IpProtocol;
  /** Bytes of body read at most; more is a failure (blackbox `body_size_limit`). */
  bodySizeLimit?: number;
}

const PHASES = ["resolve", "connect", "tls", "processing", "transfer"] as const;

/** The HTTP and HTTPS prober. */
export const httpProber: Prober<HttpProbeConfig> = {
  kind: "http",
  async run(target: string, config: HttpProbeConfig, ctx: ProbeContext): Promise<ProbeResult> {
    const start = performance.now();
    const signal = deadlineSignal(ctx.timeoutMs, ctx.signal);
    const phase: Record<(typeof PHASES)[number], number> = { resolve: 0, connect: 0, tls: 0, processing: 0, transfer: 0 };
    const samples: ProbeSample[] = [];
    let failure: string | undefined;
    let status = 0, contentLength = -1, bodyBytes = 0, isTls = 0, version = 0, regexFailed = 0;
    let certExpiry: number | undefined;
    try {
      const url = new URL(/^[a-z]+:\/\//i.test(target) ? target : `http://${target}`);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`unsupported scheme ${url.protocol}`);
      const secure = url.protocol === "https:";
      const resolved = await resolveHost(url.hostname, config.preferredIpProtocol ?? "ip4", signal);
      phase.resolve = secondsSince(start);
      samples.push({ name: "probe_ip_protocol", value: resolved.family });
      let mark = performance.now();
      const body = await new Promise<string>((resolve, reject) => {
        const options: https.RequestOptions = {
          host: resolved.address,
          port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
          path: url.pathname + url.search,
          method: config.method ?? "GET",
          headers: { host: url.host, "user-agent": "cityplane-probe", ...config.headers },
          agent: false,
          signal,
          // SNI and certificate checks use the name from the URL, not the resolved address. An
          // address is no server name (RFC 6066 §3): "" sends no SNI (undefined would let Node
          // derive one from the Host header, an address again).
          servername: isIP(url.hostname.replace(/^\[|\]$/g, "")) === 0 ? url.hostname : "",
          rejectUnauthorized: config.insecureSkipVerify !== true,
        };
        const req = (secure ? https : http).request(options, (res) => {
          phase.processing = secondsSince(mark);
          mark = performance.now();
          status = res.statusCode ?? 0;
          version = Number(res.httpVersion) || 0;
          const header = res.headers["content-length"];
          contentLength = header === undefined ? -1 : Number(header);
          const limit = config.bodySizeLimit ?? 10 * 1024 * 1024;
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => {
            bodyBytes += chunk.length;
            if (bodyBytes > limit) return req.destroy(new Error(`body larger than ${limit} bytes`));
            chunks.push(chunk);
          });
          res.on("end", () => {
            phase.transfer = secondsSince(mark);
            resolve(Buffer.concat(chunks).toString("utf8"));
          });
          res.on("error", reject);
        });
        req.on("socket", (socket: Socket) => {
          socket.once("connect", () => {
            phase.connect = secondsSince(mark);
            mark = performance.now();
          });
          socket.once("secureConnect", () => {
            phase.tls = secondsSince(mark);
            mark = performance.now();
            isTls = 1;
            certExpiry = earliestCertExpiry((socket as TLSSocket).getPeerCertificate(true));
          });
        });
        req.on("error", reject);
        req.end();
      });
      const valid = config.validStatusCodes ?? [];
      if (valid.length === 0 ? status < 200 || status > 299 : !valid.includes(status)) failure = `invalid HTTP response status code ${status}`;
      else {
        for (const re of config.failIfBodyMatchesRegexp ?? []) {
          if (new RegExp(re).test(body)) {
            regexFailed = 1;
            failure = `body matched regular expression ${JSON.stringify(re)}`;
          }
        }
        for (const re of config.failIfBodyNotMatchesRegexp ?? []) {
          if (!new RegExp(re).test(body)) {
            regexFailed = 1;
            failure = `body did not match regular expression ${JSON.stringify(re)}`;
          }
        }
      }
    } catch (err) {
      failure = signal.aborted ? `timeout after ${ctx.timeoutMs} ms` : (err as Error).message;
    }
    for (const p of PHASES) samples.push({ name: "probe_http_duration_seconds", labels: { phase: p }, value: phase[p] });
    samples.push(
      { name: "probe_dns_lookup_time_seconds", value: phase.resolve },
      { name: "probe_http_status_code", value: status },
      { name: "probe_http_content_length", value: contentLength },
      { name: "probe_http_uncompressed_body_length", value: bodyBytes },
      { name: "probe_http_version", value: version },
      { name: "probe_http_ssl", value: isTls },
      { name: "probe_failed_due_to_regex", value: regexFailed },
    );
    if (certExpiry !== undefined) samples.push({ name: "probe_ssl_earliest_cert_expiry", value: certExpiry });
    const durationSeconds = secondsSince(start);
    samples.push({ name: "probe_success", value: failure === undefined ? 1 : 0 }, { name: "probe_duration_seconds", value: durationSeconds });
    return failure === undefined ? { success: true, durationSeconds, samples } : { success: false, durationSeconds, failure, samples };
  },
};
