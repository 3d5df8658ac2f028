import { describe } from "vitest";
import { trapFloodSuite } from "./soak/trap-flood-suite.ts";

// The fast tier's scale: 5,000 traps/s for 3 s. test/soak/ runs the same for 60 s.
describe("trap flood: one source at 5,000/s for 3 s beside ten normal sources", () => trapFloodSuite({ prefix: "127.72.0", seconds: 3, floodPerSecond: 5000, normalPerSecond: 10, tolerateKernelDrops: true }));
