import type { SimClock } from "../sim-clock.ts";
import { planLoop, type PlannedAction } from "./scenario-plan.ts";
import type { Scenario } from "./scenario.schema.ts";

/** One line for the operator: what happens, to what, starting or ending. */
export function describeAction(a: PlannedAction): string {
  const s = a.step as Record<string, unknown>;
  const what = ["link", "ap", "controller", "device", "service", "node"].map((k) => s[k]).find((v) => typeof v === "string");
  return `${new Date(a.atMs).toISOString()} ${a.step.action}${what ? ` ${String(what)}` : ""} ${a.phase}${a.step.note ? ` (${a.step.note})` : ""}`;
}

/**
 * Plays a scenario against simulated time. `advance()` applies every action now due; the real
 * timer only calls it (four times a second, unref'd), so a test with a manual clock calls it
 * itself and sees exactly the same city.
 */
export class ScenarioRunner {
  private loop = 0;
  private queue: PlannedAction[] = [];
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<unknown>>();
  /** Actions applied so far (and failures), for the console and tests. */
  applied = 0;
  errors: string[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly clock: SimClock,
    private readonly apply: (a: PlannedAction) => Promise<unknown> | void,
    private readonly startMs = clock.nowMs(),
    /** Told of every action applied and every failure (the CLI prints them). */
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.queue = planLoop(scenario, startMs, 0);
  }

  /** Applies every action due at the current simulated time; returns how many. */
  advance(): number {
    const now = this.clock.nowMs();
    let n = 0;
    for (;;) {
      if (this.queue.length === 0) {
        if (!this.scenario.loop) break;
        this.loop++;
        this.queue = planLoop(this.scenario, this.startMs, this.loop);
      }
      const next = this.queue[0];
      if (!next || next.atMs > now) break;
      this.queue.shift();
      n++;
      this.applied++;
      const fail = (err: Error): void => {
        const line = `${next.step.action}: ${err.message}`;
        this.errors.push(line);
        this.log(`scenario error: ${line}`);
      };
      this.log(`scenario: ${describeAction(next)}`);
      try {
        const p = this.apply(next);
        if (p) {
          const tracked = p.catch(fail).finally(() => this.pending.delete(tracked));
          this.pending.add(tracked);
        }
      } catch (err) {
        fail(err as Error);
      }
    }
    return n;
  }

  /** Starts the real-time ticking. */
  start(): void {
    this.timer = setInterval(() => this.advance(), 250);
    this.timer.unref();
  }

  /** Stops ticking and waits for actions still running (a brute force in progress). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
  }
}
