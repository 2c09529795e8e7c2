import { defineConfig } from 'vitest/config';

/** report.html in a real headless Chromium (run by .ci/html-report-test.sh). */
export default defineConfig({
  test: {
    include: ['test/**/*.browser.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
