import { defineConfig } from 'vitest/config';
import { unitConfig } from '../../vitest.shared';

/** Unit tests; the headless-browser test of report.html has its own config (vitest.browser.config.ts). */
export default defineConfig({
  test: { ...unitConfig.test, exclude: [...(unitConfig.test?.exclude ?? []), '**/*.browser.test.ts'] },
});
