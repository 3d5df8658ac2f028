import { defineConfig } from "vitest/config";

// The soak tier (`npm run test:soak`): long runs of RELIABILITY.md's tests, one file at a time so
// that each has the machine's two cores to itself. Every test bounds its own time; the tier
// stops by itself in about ten minutes.
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 240_000,
    pool: "forks",
    fileParallelism: false,
  },
});
