import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['api/**/*.test.ts', 'workers/**/*.test.ts', 'shared/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: files that spawn worker processes compete for CPU; keep parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
