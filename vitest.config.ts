import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          setupFiles: ["test/helpers/stack-env.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // The stack (one dockerd, two cores) is shared; files run one at a time so
          // timings and cache assertions are not skewed by neighbours.
          fileParallelism: false,
        },
      },
    ],
  },
});
