import { defineConfig } from 'vitest/config';

/** Unit tests of the benchmark helpers (the root config covers api, workers, shared and test only). */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/**/*.test.ts'],
    exclude: ['bench/cache/**', 'node_modules/**'],
  },
});
