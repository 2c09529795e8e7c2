import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Unit tests: fast, no cluster. `*.e2e.test.ts` files are left to the e2e config. */
export const unitConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/*.e2e.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    pool: 'threads',
  },
});

/** Scenario e2e: real cluster, serial, long timeouts. Under CI, no cluster fails the run (vitest.e2e-guard.ts). */
export const e2eConfig = defineConfig({
  test: {
    globalSetup: [fileURLToPath(new URL('./vitest.e2e-guard.ts', import.meta.url))],
    include: ['**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    maxConcurrency: 1,
  },
});
