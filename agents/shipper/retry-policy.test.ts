import { describe, expect, it } from "vitest";
import { backoffDelayMs, classifyStatus, DEFAULT_AUTH_BACKOFF, parseRetryAfter, refusalReason } from "./retry-policy.ts";

const NOW = Date.parse("2026-11-21T10:00:00Z");

describe("classifyStatus", () => {
  const table: [number, string][] = [
    [200, "delivered"], [204, "delivered"], [400, "drop"], [401, "auth"], [403, "auth"], [404, "drop"], [413, "drop"], [415, "drop"],
    [429, "retry"], [500, "retry"], [502, "retry"], [503, "retry"], [504, "retry"], [301, "drop"],
  ];
  for (const [status, verdict] of table) it(`${status} → ${verdict}`, () => expect(classifyStatus(status)).toBe(verdict));
});

describe("parseRetryAfter (RFC 9110 §10.2.3)", () => {
  const table: { header: string | null; ms: number | undefined }[] = [
    { header: "7", ms: 7000 },
    { header: " 0 ", ms: 0 },
    { header: "Sat, 21 Nov 2026 10:00:30 GMT", ms: 30_000 },
    { header: "Sat, 21 Nov 2026 09:59:00 GMT", ms: 0 },
    { header: "86400", ms: 300_000 },
    { header: "-5", ms: undefined },
    { header: "soon", ms: undefined },
    { header: "", ms: undefined },
    { header: null, ms: undefined },
  ];
  for (const c of table) it(`${JSON.stringify(c.header)} → ${c.ms}`, () => expect(parseRetryAfter(c.header, NOW)).toBe(c.ms));
});

describe("backoffDelayMs", () => {
  it("doubles per attempt within [cap/2, cap] and stops at the maximum", () => {
    const opts = { baseMs: 500, maxMs: 8000 };
    expect([0, 1, 2, 3, 4, 5, 30, 1000].map((a) => backoffDelayMs(a, 0, opts))).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
    expect([0, 1, 2, 3, 4].map((a) => backoffDelayMs(a, 1, opts))).toEqual([500, 1000, 2000, 4000, 8000]);
  });
});

describe("the pause after a refused token", () => {
  it("starts at 5–10 s, doubles, and never waits more than 60 s", () => {
    expect([0, 1, 2, 3, 4, 50].map((a) => backoffDelayMs(a, 0, DEFAULT_AUTH_BACKOFF))).toEqual([5000, 10_000, 20_000, 30_000, 30_000, 30_000]);
    expect([0, 1, 2, 3, 50].map((a) => backoffDelayMs(a, 1, DEFAULT_AUTH_BACKOFF))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });
});

describe("refusalReason", () => {
  const table: { name: string; body: string; reason: string | undefined }[] = [
    { name: "control plane error body", body: '{"error":{"code":"bad_batch","message":"series 3: timestamp is not a number"}}', reason: "bad_batch: series 3: timestamp is not a number" },
    { name: "error without a code", body: '{"error":{"message":"too big"}}', reason: "too big" },
    { name: "plain text", body: "413 Request Entity Too Large\n", reason: "413 Request Entity Too Large" },
    { name: "JSON of another shape", body: '{"detail":"nope"}', reason: '{"detail":"nope"}' },
    { name: "a forged log line and ANSI escapes", body: "bad\r\n{\"level\":50,\"msg\":\"forged\"}\u001b[31m red", reason: 'bad {"level":50,"msg":"forged"} [31m red' },
    { name: "empty body", body: "", reason: undefined },
    { name: "long body", body: "x".repeat(5000), reason: `${"x".repeat(300)}…` },
  ];
  for (const c of table) it(c.name, () => expect(refusalReason(c.body)).toBe(c.reason));
});
