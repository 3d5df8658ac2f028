import { describe, expect, it } from "vitest";
import { SourceRateLimiter } from "./source-rate-limiter.ts";

/** Sends `count` messages from `source` at `perSecond`, starting at `fromMs`; returns the decisions and the end time. */
function flood(l: SourceRateLimiter, source: string, fromMs: number, perSecond: number, count: number) {
  const decisions = Array.from({ length: count }, (_, i) => l.take(source, fromMs + (i * 1000) / perSecond));
  return { decisions, endMs: fromMs + (count * 1000) / perSecond };
}

describe("SourceRateLimiter", () => {
  it("lets a burst through, then the rate, and reports a sustained flood as one storm with its exact drop count", () => {
    const l = new SourceRateLimiter(50, 200);
    expect(l.quietMs).toBe(4000);
    // 5,000/s for 3 s: tokens come back every 20 ms, so messages keep getting through.
    const { decisions, endMs } = flood(l, "10.0.0.1", 0, 5000, 15_000);
    const accepted = decisions.filter((d) => d.accept).length;
    const dropped = decisions.length - accepted;
    expect(accepted).toBeGreaterThanOrEqual(200 + 149);
    expect(accepted).toBeLessThanOrEqual(200 + 151);
    expect(decisions.filter((d) => d.stormStarted)).toHaveLength(1);
    expect(decisions.filter((d) => d.stormEnded)).toHaveLength(0);
    expect(l.storms().get("10.0.0.1")).toBe(dropped);
    // Not over before the quiet period, over after it, once.
    expect(l.endQuiet(endMs + 3000)).toEqual([]);
    expect(l.endQuiet(endMs + 4000)).toEqual([{ source: "10.0.0.1", dropped }]);
    expect(l.endQuiet(endMs + 9000)).toEqual([]);
    expect(l.storms().size).toBe(0);
  });

  it("ends the storm at the source's first message after the quiet period, with that message accepted", () => {
    const l = new SourceRateLimiter(1, 2);
    const { decisions } = flood(l, "s", 0, 100, 10); // 2 accepted, 8 dropped
    expect(decisions.map((d) => d.accept)).toEqual([true, true, false, false, false, false, false, false, false, false]);
    expect(l.take("s", 1500)).toEqual({ accept: true }); // a token is back, but the storm is not over (dropped 1.41 s ago)
    expect(l.take("s", 1600)).toEqual({ accept: false }); // still the same storm: no second start
    expect(l.take("s", 3700)).toEqual({ accept: true, stormEnded: { dropped: 9 } });
    expect(l.take("s", 3701)).toEqual({ accept: true });
  });

  it("keeps sources apart: a flooding neighbour never costs another source a message", () => {
    const l = new SourceRateLimiter(50, 200);
    for (let i = 0; i < 1000; i++) {
      l.take("flooder", i);
      if (i % 100 === 0) expect(l.take("normal", i).accept).toBe(true);
    }
    expect([...l.storms().keys()]).toEqual(["flooder"]);
  });
});
