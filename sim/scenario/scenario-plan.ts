import { durationMs, type Scenario, type ScenarioStep } from "./scenario.schema.ts";

/** One thing to do at one simulated instant: start a fault, end it, or flip a flapping link. */
export interface PlannedAction {
  atMs: number;
  step: ScenarioStep;
  phase: "start" | "end";
}

/** The actions of loop number `loop` (0-based) of a scenario started at `startMs`, in time order. */
export function planLoop(s: Scenario, startMs: number, loop: number): PlannedAction[] {
  const origin = startMs + loop * durationMs(s.period);
  const out: PlannedAction[] = [];
  for (const step of s.steps) {
    const at = origin + durationMs(step.at);
    if (step.action === "link-flap") {
      const every = durationMs(step.every);
      for (let k = 0; k < step.times; k++) {
        out.push({ atMs: at + 2 * k * every, step, phase: "start" }, { atMs: at + (2 * k + 1) * every, step, phase: "end" });
      }
      continue;
    }
    out.push({ atMs: at, step, phase: "start" });
    if ("for" in step && step.for !== undefined) out.push({ atMs: at + durationMs(step.for), step, phase: "end" });
  }
  // Stable: at the same instant, ends before starts, so back-to-back faults do not cancel each other.
  return out.sort((a, b) => a.atMs - b.atMs || (a.phase === b.phase ? 0 : a.phase === "end" ? -1 : 1));
}
