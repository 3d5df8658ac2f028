import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { ManualSimClock } from "../sim-clock.ts";
import { planLoop } from "./scenario-plan.ts";
import { ScenarioRunner } from "./scenario-runner.ts";
import { loadScenarioFile } from "./scenario.loader.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const DIR = "test/fixtures/scenarios";
const invalid = readdirSync(DIR).filter((f) => f.startsWith("invalid-") && f.endsWith(".yaml"));

describe("scenario files", () => {
  it.each(invalid)("%s is refused with every problem listed", async (file) => {
    const result = await loadScenarioFile(`${DIR}/${file}`, inventory);
    const expected = readFileSync(`${DIR}/${file.replace(/\.yaml$/, ".expected")}`, "utf8").trim().split("\n");
    expect(result.ok ? [] : result.problems).toEqual(expected);
  });

  it("accepts the default scenario", async () => {
    const result = await loadScenarioFile("sim/scenarios/default.yaml", inventory);
    expect(result.ok ? result.scenario.steps.length : result.problems).toBeGreaterThan(10);
  });

  it("names a missing file", async () => {
    expect(await loadScenarioFile(`${DIR}/nope.yaml`, inventory)).toEqual({ ok: false, problems: [`${DIR}/nope.yaml: no such file`] });
  });
});

describe("scenario timing", () => {
  const scenario = {
    version: 1 as const,
    name: "t",
    loop: true,
    period: "10m",
    steps: [
      { action: "link-cut" as const, link: "metro-thach-thang", at: "1m", for: "2m" },
      { action: "link-flap" as const, link: "metro-hai-chau-1", at: "5m", times: 2, every: "30s" },
    ],
  };

  it("plans starts, ends and flaps within one loop, in time order", () => {
    const plan = planLoop(scenario, 0, 1).map((a) => [a.atMs / 1000, a.step.action, a.phase]);
    expect(plan).toEqual([
      [660, "link-cut", "start"],
      [780, "link-cut", "end"],
      [900, "link-flap", "start"],
      [930, "link-flap", "end"],
      [960, "link-flap", "start"],
      [990, "link-flap", "end"],
    ]);
  });

  it("applies what is due and loops for ever", () => {
    const clock = new ManualSimClock(0);
    const seen: string[] = [];
    const runner = new ScenarioRunner(scenario, clock, (a) => void seen.push(`${a.atMs / 1000}:${a.phase}`));
    expect(runner.advance()).toBe(0);
    clock.advance(60_000);
    expect(runner.advance()).toBe(1);
    clock.advance(20 * 60_000);
    runner.advance();
    expect(seen.slice(0, 3)).toEqual(["60:start", "180:end", "300:start"]);
    expect(seen).toContain("660:start");
    // Two whole loops (6 actions each) and the link cut of the third, due at exactly 21 minutes.
    expect(seen.length).toBe(13);
    expect(seen[12]).toBe("1260:start");
  });
});
