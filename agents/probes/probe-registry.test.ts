import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition } from "../prometheus/exposition-parser.ts";
import { renderProbeSamples } from "./probe-exposition.ts";
import { parseProbeModule, PROBERS, runProbe } from "./probe-registry.ts";
import { startHttpServer, type TestServer } from "./probe-test-servers.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(() => server.close());

describe("probe registry", () => {
  it("knows the http and tcp kinds", () => {
    expect(Object.keys(PROBERS)).toEqual(["http", "tcp"]);
  });

  it.each([
    { input: { prober: "icmp" }, message: /prober/ },
    { input: { prober: "http", http: { validStatusCode: [200] } }, message: /http: Unrecognized key: "validStatusCode"/ },
    { input: { prober: "tcp", timeoutMs: -1 }, message: /timeoutMs/ },
    { input: { prober: "http", http: { failIfBodyNotMatchesRegexp: ["("] } }, message: /invalid regular expression "\("/ },
  ])("refuses a bad module: $message", ({ input, message }) => {
    expect(() => parseProbeModule(input)).toThrow(message);
  });

  it("runs a parsed module and renders blackbox-style exposition", async () => {
    const module = parseProbeModule({ prober: "http", timeoutMs: 2000 });
    const result = await runProbe(module, `http://127.0.0.1:${server.port}/`);
    expect(result.success).toBe(true);
    const parsed = parseExposition(renderProbeSamples(result.samples));
    const phases = parsed.families.find((f) => f.name === "probe_http_duration_seconds");
    expect(phases?.type).toBe("gauge");
    expect(phases?.samples.map((s) => s.labels["phase"])).toEqual(["resolve", "connect", "tls", "processing", "transfer"]);
    expect(parsed.samples.find((s) => s.name === "probe_success")?.value).toBe(1);
  });
});
