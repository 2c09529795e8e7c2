import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { loadScenarioDir } from './data-scenario';

/**
 * The scenario a test file belongs to: the data scenario of the directory above the test's folder
 * (`scenarios/<name>/test/x.test.ts` -> `scenarios/<name>`). Call it as `scenarioOf(import.meta.url)`.
 */
export function scenarioOf(testFileUrl: string): ScenarioDefinition {
  return loadScenarioDir(resolve(dirname(fileURLToPath(testFileUrl)), '..'));
}
