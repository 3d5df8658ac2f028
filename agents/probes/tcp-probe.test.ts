import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProbeResult } from "./probe.ts";
import { closedPort, startHttpServer, startHttpsServer, startSilentServer, type TestServer } from "./probe-test-servers.ts";
import { tcpProber, type TcpProbeConfig } from "./tcp-probe.ts";

const value = (r: ProbeResult, name: string) => r.samples.find((s) => s.name === name)?.value;

let plain: TestServer, tls: TestServer & { notAfter: Date }, silent: TestServer, closed: number;
beforeAll(async () => {
  [plain, tls, silent, closed] = await Promise.all([startHttpServer(), startHttpsServer(3), startSilentServer(), closedPort()]);
});
afterAll(async () => {
  await Promise.all([plain.close(), tls.close(), silent.close()]);
});

describe("tcpProber", () => {
  const cases: { what: string; target: () => string; config: TcpProbeConfig; success: boolean; failure?: string | RegExp }[] = [
    { what: "open port", target: () => `127.0.0.1:${plain.port}`, config: {}, success: true },
    { what: "open port by name", target: () => `localhost:${plain.port}`, config: {}, success: true },
    { what: "closed port", target: () => `127.0.0.1:${closed}`, config: {}, success: false, failure: /ECONNREFUSED/ },
    { what: "TLS to a self-signed server, verified", target: () => `localhost:${tls.port}`, config: { tls: true }, success: false, failure: "self-signed certificate" },
    { what: "TLS to a self-signed server, insecure", target: () => `localhost:${tls.port}`, config: { tls: true, insecureSkipVerify: true }, success: true },
    { what: "TLS handshake that stalls ends at the timeout", target: () => `127.0.0.1:${silent.port}`, config: { tls: true }, success: false, failure: "timeout after 300 ms" },
    { what: "target without a port", target: () => "127.0.0.1", config: {}, success: false, failure: 'target "127.0.0.1" is not host:port' },
  ];
  it.each(cases)("$what", { timeout: 5000 }, async ({ target, config, success, failure }) => {
    const r = await tcpProber.run(target(), config, { timeoutMs: 300 });
    expect(r.success).toBe(success);
    expect(value(r, "probe_success")).toBe(success ? 1 : 0);
    if (failure !== undefined) expect(r.failure).toMatch(failure);
    else expect(r.failure).toBeUndefined();
  });

  it("reports the certificate expiry of a TLS peer", async () => {
    const r = await tcpProber.run(`localhost:${tls.port}`, { tls: true, insecureSkipVerify: true }, { timeoutMs: 2000 });
    expect(value(r, "probe_ssl_earliest_cert_expiry")).toBe(tls.notAfter.getTime() / 1000);
  });
});
