import { defineConfig } from "vitest/config";

// The soak tier (`npm run test:soak`): long runs of RELIABILITY.md's tests, one file at a time so
// that each has the machine's two cores to itself. Every test bounds its own time; the tier
// stops by itself (about six minutes on the two-core machine; each file is bounded, the whole under 15).
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: false,
  },
});
