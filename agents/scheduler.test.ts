import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../protocol/assignment.schema.ts";
import type { CollectResult } from "./collector.ts";
import { Scheduler, type SchedulableCollector } from "./scheduler.ts";
import { MemorySink } from "./sink.ts";

/** A collector whose passes last `durationMs` of fake time (or until aborted) and are recorded. */
class FakeCollector {
  readonly kind = "probe";
  readonly passes: { id: string; startMs: number; endMs?: number; aborted?: boolean }[] = [];
  readonly forgotten: string[] = [];
  private readonly running = new Map<string, number>();
  maxPerTarget = 0;
  maxOverall = 0;
  constructor(
    private readonly durationMs: (t: Target) => number,
    private readonly delay?: (t: Target) => number,
  ) {}
  get nextDelayMs(): ((t: Target) => number) | undefined {
    return this.delay;
  }
  async collect(t: Target, signal: AbortSignal): Promise<CollectResult> {
    const pass: (typeof this.passes)[number] = { id: t.id, startMs: Date.now() };
    this.passes.push(pass);
    this.running.set(t.id, (this.running.get(t.id) ?? 0) + 1);
    this.maxPerTarget = Math.max(this.maxPerTarget, ...this.running.values());
    this.maxOverall = Math.max(this.maxOverall, [...this.running.values()].reduce((a, b) => a + b, 0));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.durationMs(t));
        signal.addEventListener("abort", () => (clearTimeout(timer), (pass.aborted = true), reject(new Error("deadline"))), { once: true });
      });
      return { samples: [{ name: "up", labels: { target: t.id }, value: 1, timestampMs: Date.now() }], events: [] };
    } finally {
      pass.endMs = Date.now();
      this.running.set(t.id, (this.running.get(t.id) ?? 1) - 1);
    }
  }
  forget(id: string): void {
    this.forgotten.push(id);
  }
}

const probe = (id: string, intervalSeconds: number): Target => ({ kind: "probe", id, service: id, url: `http://127.30.0.1/${id}`, module: "http_2xx", intervalSeconds, timeoutSeconds: 5 });

/** A deadline signal on the fake clock. */
function fakeDeadline(ms: number): AbortSignal {
  const c = new AbortController();
  setTimeout(() => c.abort(new Error("deadline")), ms);
  return c.signal;
}

function scheduler(collector: FakeCollector, opts: { globalConcurrency?: number; maxDeadlineMs?: number; sink?: MemorySink } = {}): Scheduler {
  return new Scheduler({
    collectors: new Map([["probe", collector as unknown as SchedulableCollector]]),
    sink: opts.sink ?? new MemorySink(),
    globalConcurrency: opts.globalConcurrency ?? 64,
    maxDeadlineMs: opts.maxDeadlineMs ?? 60_000,
    // random 0.5: first pass at half the interval, jitter factor exactly 1.
    random: () => 0.5,
    now: () => Date.now(),
    deadline: fakeDeadline,
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("scheduler", () => {
  it.each([
    // [interval s, pass duration ms, what happens]
    [10, 2_000, "short passes keep the interval rhythm"],
    [10, 30_000, "passes longer than the interval are cut at the deadline, never overlapped"],
  ])("interval %ss, pass %sms: %s", async (interval, duration) => {
    const c = new FakeCollector(() => duration);
    const s = scheduler(c);
    s.assign([probe("a", interval)]);
    await vi.advanceTimersByTimeAsync(60_000);
    s.stop();
    expect(c.maxPerTarget).toBe(1);
    const starts = c.passes.map((p) => p.startMs);
    expect(starts[0]).toBe(interval * 500);
    // Passes start one interval apart, measured from the start of the previous one.
    for (let i = 1; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 1] as number)).toBe(interval * 1000);
    if (duration > interval * 1000) expect(c.passes.every((p) => p.aborted === true || p.endMs === undefined)).toBe(true);
  });

  it.each([
    // [interval s, maxDeadlineMs, pass aborted after ms]
    [10, 60_000, 9_000],
    [300, 60_000, 60_000],
    [1, 60_000, 900],
  ])("a pass of a %ss target with a %sms cap is aborted after %sms", async (interval, cap, abortAfter) => {
    const c = new FakeCollector(() => 1_000_000_000);
    const s = scheduler(c, { maxDeadlineMs: cap });
    s.assign([probe("slow", interval)]);
    await vi.advanceTimersByTimeAsync(interval * 500 + abortAfter + 1);
    s.stop();
    const first = c.passes[0];
    expect(first?.aborted).toBe(true);
    expect((first?.endMs ?? 0) - (first?.startMs ?? 0)).toBe(abortAfter);
  });

  it.each([
    // [targets, global limit, expected most at once]
    [10, 3, 3],
    [10, 64, 10],
    [5, 1, 1],
  ])("%s targets under a global limit of %s run at most %s at a time, and all finish", async (n, limit, most) => {
    const c = new FakeCollector(() => 500);
    const sink = new MemorySink();
    const s = scheduler(c, { globalConcurrency: limit, sink });
    s.assign(Array.from({ length: n }, (_, i) => probe(`t${i}`, 60)));
    await vi.advanceTimersByTimeAsync(30_000 + Math.ceil(n / limit) * 500 + 1);
    s.stop();
    expect(c.maxOverall).toBe(most);
    expect(new Set(sink.sampleLog.map((x) => x.labels.target)).size).toBe(n);
  });

  it("rechecks a target every 15 s while its collector says it is down, then returns to its interval", async () => {
    let down = true;
    const c = new FakeCollector(
      () => 100,
      (t) => (down ? 15_000 : t.intervalSeconds * 1000),
    );
    const s = scheduler(c);
    s.assign([probe("dead", 60)]);
    await vi.advanceTimersByTimeAsync(70_000);
    down = false; // the pass at 75 s finds the device up: the next one waits the full interval
    await vi.advanceTimersByTimeAsync(80_000);
    s.stop();
    expect(c.passes.map((p) => p.startMs)).toEqual([30_000, 45_000, 60_000, 75_000, 135_000]);
  });

  it("stops and forgets removed targets, restarts changed ones, and ships nothing from a pass that ends after removal", async () => {
    const c = new FakeCollector(() => 1_000);
    const sink = new MemorySink();
    const s = scheduler(c, { sink });
    s.assign([probe("a", 10), probe("b", 10)]);
    await vi.advanceTimersByTimeAsync(5_500); // both passes in flight
    s.assign([probe("b", 20)]);
    await vi.advanceTimersByTimeAsync(60_000);
    s.stop();
    expect(c.forgotten.sort()).toEqual(["a", "b"]); // b changed interval: forgotten and restarted
    expect(c.passes.filter((p) => p.id === "a")).toHaveLength(1);
    expect(sink.sampleLog.some((x) => x.labels.target === "a")).toBe(false);
    expect(s.targets().map((t) => [t.id, t.intervalSeconds])).toEqual([["b", 20]]);
    const b = c.passes.filter((p) => p.id === "b").map((p) => p.startMs);
    expect(b.slice(1)).toEqual([15_500, 35_500, 55_500]);
  });

  it("applying the same assignment twice changes nothing", async () => {
    const c = new FakeCollector(() => 100);
    const s = scheduler(c);
    s.assign([probe("a", 10)]);
    await vi.advanceTimersByTimeAsync(4_000);
    s.assign([probe("a", 10)]);
    await vi.advanceTimersByTimeAsync(20_000);
    s.stop();
    expect(c.forgotten).toEqual([]);
    expect(c.passes.map((p) => p.startMs)).toEqual([5_000, 15_000]);
  });
});
