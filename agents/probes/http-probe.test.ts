import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpProber, type HttpProbeConfig } from "./http-probe.ts";
import type { ProbeResult } from "./probe.ts";
import { closedPort, startHttpServer, startHttpsServer, startSilentServer, type TestServer } from "./probe-test-servers.ts";

const value = (r: ProbeResult, name: string, phase?: string) => r.samples.find((s) => s.name === name && (phase === undefined || s.labels?.["phase"] === phase))?.value;

let plain: TestServer, tls: TestServer & { notAfter: Date }, silent: TestServer, closed: number;
beforeAll(async () => {
  [plain, tls, silent, closed] = await Promise.all([startHttpServer(), startHttpsServer(3), startSilentServer(), closedPort()]);
});
afterAll(async () => {
  await Promise.all([plain.close(), tls.close(), silent.close()]);
});

describe("httpProber", () => {
  const cases: { what: string; url: () => string; config: HttpProbeConfig; success: boolean; failure?: string | RegExp; status?: number; regexFailed?: number }[] = [
    { what: "200 is a success", url: () => `http://127.0.0.1:${plain.port}/`, config: {}, success: true, status: 200, regexFailed: 0 },
    { what: "500 fails by default", url: () => `http://127.0.0.1:${plain.port}/status/500`, config: {}, success: false, failure: "invalid HTTP response status code 500", status: 500 },
    { what: "500 passes when listed as valid", url: () => `http://127.0.0.1:${plain.port}/status/500`, config: { validStatusCodes: [500] }, success: true, status: 500 },
    { what: "body keyword present", url: () => `http://127.0.0.1:${plain.port}/`, config: { failIfBodyNotMatchesRegexp: ["Đà Nẵng: OK"] }, success: true, regexFailed: 0 },
    { what: "body keyword missing", url: () => `http://127.0.0.1:${plain.port}/`, config: { failIfBodyNotMatchesRegexp: ["maintenance"] }, success: false, failure: 'body did not match regular expression "maintenance"', regexFailed: 1 },
    { what: "forbidden body text present", url: () => `http://127.0.0.1:${plain.port}/`, config: { failIfBodyMatchesRegexp: ["OK<"] }, success: false, failure: 'body matched regular expression "OK<"', regexFailed: 1 },
    { what: "a DNS name (localhost)", url: () => `http://localhost:${plain.port}/`, config: {}, success: true, status: 200 },
    { what: "closed port", url: () => `http://127.0.0.1:${closed}/`, config: {}, success: false, failure: /ECONNREFUSED/, status: 0 },
    { what: "self-signed certificate refused by default", url: () => `https://localhost:${tls.port}/`, config: {}, success: false, failure: "self-signed certificate" },
    { what: "self-signed certificate with insecureSkipVerify", url: () => `https://localhost:${tls.port}/`, config: { insecureSkipVerify: true }, success: true, status: 200 },
    { what: "server that never answers ends at the timeout", url: () => `http://127.0.0.1:${silent.port}/`, config: {}, success: false, failure: "timeout after 300 ms", status: 0 },
    { what: "TLS handshake that stalls ends at the timeout", url: () => `https://127.0.0.1:${silent.port}/`, config: { insecureSkipVerify: true }, success: false, failure: "timeout after 300 ms" },
  ];
  it.each(cases)("$what", { timeout: 5000 }, async ({ url, config, success, failure, status, regexFailed }) => {
    const r = await httpProber.run(url(), config, { timeoutMs: 300 });
    expect(r.success).toBe(success);
    expect(value(r, "probe_success")).toBe(success ? 1 : 0);
    if (failure !== undefined) expect(r.failure).toMatch(failure);
    else expect(r.failure).toBeUndefined();
    if (status !== undefined) expect(value(r, "probe_http_status_code")).toBe(status);
    if (regexFailed !== undefined) expect(value(r, "probe_failed_due_to_regex")).toBe(regexFailed);
    expect(value(r, "probe_duration_seconds")).toBe(r.durationSeconds);
  });

  it("reports every phase, the content length and, over TLS, the certificate expiry", async () => {
    const r = await httpProber.run(`https://localhost:${tls.port}/`, { insecureSkipVerify: true }, { timeoutMs: 2000 });
    const phases = r.samples.filter((s) => s.name === "probe_http_duration_seconds").map((s) => s.labels?.["phase"]);
    expect(phases).toEqual(["resolve", "connect", "tls", "processing", "transfer"]);
    expect(value(r, "probe_http_duration_seconds", "tls")).toBeGreaterThan(0);
    expect(value(r, "probe_http_ssl")).toBe(1);
    expect(value(r, "probe_http_content_length")).toBe(Buffer.byteLength("<html><body>Cổng dịch vụ công Đà Nẵng: OK</body></html>"));
    expect(value(r, "probe_ssl_earliest_cert_expiry")).toBe(tls.notAfter.getTime() / 1000);
  });

  it("plain HTTP has no TLS phase time and no certificate sample", async () => {
    const r = await httpProber.run(`http://127.0.0.1:${plain.port}/`, {}, { timeoutMs: 2000 });
    expect(value(r, "probe_http_duration_seconds", "tls")).toBe(0);
    expect(value(r, "probe_http_ssl")).toBe(0);
    expect(value(r, "probe_ssl_earliest_cert_expiry")).toBeUndefined();
    expect(value(r, "probe_ip_protocol")).toBe(4);
  });
});
