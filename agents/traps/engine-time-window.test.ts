import { describe, expect, it } from "vitest";
import { EngineTimeWindow } from "./engine-time-window.ts";

const T0 = 1_700_000_000_000;

describe("SNMPv3 time window for received traps (RFC 3414 §3.2 step 7b)", () => {
  it.each([
    // [what, messages as [boots, time, digest, seconds after the first], verdict of the last]
    ["a reboot (higher boots) is accepted whatever its time", [[3, 9000, "a", 0], [4, 1, "b", 10]], "accept"],
    ["after a reboot the old boots is refused", [[3, 9000, "a", 0], [4, 1, "b", 10], [3, 9010, "c", 10]], "not_in_time_window"],
    ["a sender whose clock runs ahead of the estimate is accepted", [[1, 100, "a", 0], [1, 5000, "b", 1]], "accept"],
    ["the estimate advances with the local clock: 100 s on, time 900 is 200 s behind it", [[1, 1000, "a", 0], [1, 900, "b", 100]], "not_in_time_window"],
    ["exactly 150 s behind the estimate is still inside", [[1, 1000, "a", 0], [1, 1000, "b", 150]], "accept"],
    ["boots at its maximum refuses everything (RFC 3414 §2.2.3: the engine must be reconfigured)", [[2147483647, 10, "a", 0], [2147483647, 11, "b", 0]], "not_in_time_window"],
    ["a copy is refused even when it is the newest message", [[1, 100, "a", 0], [1, 100, "a", 0]], "replayed"],
    ["a sender that keeps no clock (boots 0, time 0, as net-snmp's trap sender) is accepted long after", [[0, 0, "a", 0], [0, 0, "b", 1000]], "accept"],
    ["a sender that keeps no clock still has its copies refused", [[0, 0, "a", 0], [0, 0, "b", 500], [0, 0, "a", 1000]], "replayed"],
    ["an engine that has shown a clock cannot fall back to boots 0, time 0", [[0, 500, "a", 0], [0, 0, "b", 200]], "not_in_time_window"],
    ["a reboot forgets the digests of the previous boot", [[1, 100, "a", 0], [2, 1, "a", 1]], "accept"],
  ] as const)("%s", (_what, messages, verdict) => {
    const w = new EngineTimeWindow();
    const verdicts = messages.map(([boots, time, digest, after]) => w.check("engine", boots, time, digest, T0 + after * 1000));
    expect(verdicts.at(-1)).toBe(verdict);
  });

  it("keeps a bounded number of engines, forgetting the oldest", () => {
    const w = new EngineTimeWindow(2);
    w.check("e1", 5, 1000, "a", T0);
    w.check("e2", 5, 1000, "b", T0);
    w.check("e3", 5, 1000, "c", T0);
    // e1 was forgotten: its lower boots is learned afresh instead of refused.
    expect(w.check("e1", 4, 1, "d", T0)).toBe("accept");
    expect(w.check("e3", 4, 1, "e", T0)).toBe("not_in_time_window");
  });
});
