import { describe, expect, it } from "vitest";
import { eventBatchSchema, type CityEvent } from "../../protocol/event.schema.ts";
import { decodeWriteRequest } from "../../protocol/remote-write.codec.ts";
import { EVENTS_BODY_BYTES, eventsBody, isPriority, samplesBody } from "./batch-body.ts";

const event = (i: number, attrChars = 10, over: Partial<CityEvent> = {}): CityEvent => ({
  id: `evt-${String(i).padStart(6, "0")}`,
  ts: 1_700_000_000_000 + i,
  kind: "syslog",
  type: "message",
  severity: "info",
  security: false,
  agent: "agent-1",
  message: "m",
  attributes: { text: "x".repeat(attrChars) },
  ...over,
});

describe("eventsBody", () => {
  const cases: { name: string; events: CityEvent[]; count: number }[] = [
    { name: "small events: 500 per body", events: Array.from({ length: 600 }, (_, i) => event(i)), count: 500 },
    { name: "60 KB events: bounded by bytes", events: Array.from({ length: 40 }, (_, i) => event(i, 60_000)), count: Math.floor(EVENTS_BODY_BYTES / 60_200) },
    { name: "one event alone always goes", events: [event(1, 64 * 1024)], count: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { count, body } = eventsBody(c.events);
      expect(count).toBe(c.count);
      const parsed = eventBatchSchema.parse(JSON.parse(new TextDecoder().decode(body)));
      expect(parsed.events).toEqual(c.events.slice(0, count));
    });
  }
});

describe("samplesBody and isPriority", () => {
  it("encodes the oldest batch as remote-write", () => {
    const samples = Array.from({ length: 5 }, (_, i) => ({ name: "up", labels: { device: `d${i}` }, value: 1, timestampMs: 1000 + i }));
    const { count, body } = samplesBody(samples, 3);
    expect(count).toBe(3);
    expect(decodeWriteRequest(body, { maxDecodedBytes: 1 << 20 }).map((t) => t.labels.device)).toEqual(["d0", "d1", "d2"]);
  });
  it("traps and security events are priority, other events are not", () => {
    expect([event(1, 1, { kind: "trap" }), event(2, 1, { security: true }), event(3)].map(isPriority)).toEqual([true, true, false]);
  });
});
