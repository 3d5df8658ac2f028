import { defineConfig } from "vitest/config";

// Unit tests sit beside the code (x.test.ts next to x.ts); test/ holds what crosses parts.
export default defineConfig({
  test: {
    include: ["{bin,cli,config,inventory,protocol,agents,services,sim,bench,stacks}/**/*.test.ts", "test/**/*.test.ts"],
    // The soak tier has its own config (vitest.soak.config.ts, `npm run test:soak`).
    exclude: ["node_modules/**", "data/**", "dist/**", "console/**", "test/soak/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores on the CI machine: more forks only make the network tests contend.
    maxWorkers: 2,
  },
});
