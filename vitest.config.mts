import { configDefaults, defineConfig } from "vitest/config";
import { availableParallelism } from "node:os";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside a React Server Component bundle; tests run plain Node.
      "server-only": path.resolve(import.meta.dirname, "lib/testing/server-only-stub.ts"),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "db/**/*.test.ts", "examples/**/*.test.ts"],
    // The PostgreSQL run is for what touches the store: the rules in lib/domain, the importers' parsing and the
    // API description never do, and run once, in the SQLite run.
    exclude:
      process.env.COUNTERSIGN_TEST_STORE === "postgres"
        ? [...configDefaults.exclude, "lib/domain/**", "lib/importers/**", "lib/openapi/**", "lib/*.test.ts"]
        : configDefaults.exclude,
    environment: "node",
    // The demo estate is seeded once per run into a template; each test file copies it (lib/testing). With
    // COUNTERSIGN_TEST_STORE=postgres (`npm run test:postgres`) the same tests run on a throwaway PostgreSQL.
    globalSetup: ["lib/testing/global-setup.ts"],
    setupFiles: ["lib/testing/temp-database.ts"],
    pool: "forks",
    // One test file per core (vitest's default leaves one idle): each file has a database of its own, so files
    // run side by side safely. At most four, so a PostgreSQL run's pools stay well inside the server's connections.
    maxWorkers: Math.min(Math.max(availableParallelism(), 1), 4),
    // Limits catch a hang, not a slow machine: a busy two-core CI runner must not fail a correct test.
    testTimeout: 5 * 60_000,
    hookTimeout: 10 * 60_000,
    // In CI the results are also written as JSON, for .ci/run's closing count.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: {
      json: process.env.COUNTERSIGN_TEST_STORE === "postgres" ? "reports/unit-results-postgres.json" : "reports/unit-results.json",
    },
  },
});
