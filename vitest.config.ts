import { defineConfig } from "vitest/config";

// Unit tests sit beside the code (x.test.ts next to x.ts); test/ holds what crosses parts.
export default defineConfig({
  test: {
    include: ["{bin,cli,config,inventory,protocol,agents,services,sim,bench,stacks}/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules/**", "data/**", "dist/**", "console/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores on the CI machine: more forks only make the network tests contend.
    maxWorkers: 2,
  },
});
