import { describe } from "vitest";
import { trapFloodSuite } from "./trap-flood-suite.ts";

// RELIABILITY.md's trap flood as written: 5,000 traps/s for 60 s, and not one normal trap lost.
describe("trap flood: one source at 5,000/s for 60 s beside ten normal sources", () => trapFloodSuite({ prefix: "127.72.1", seconds: 60, floodPerSecond: 5000, normalPerSecond: 10, tolerateKernelDrops: false }));
