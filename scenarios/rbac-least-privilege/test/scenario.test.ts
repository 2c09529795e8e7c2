import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCriteria } from '@isoproof/core';
import { scenarioDefinitionTests } from '@isoproof/run/testing';
import { scenario } from '../src/index';

// Offline checks; the cluster e2e (test/*.e2e.test.ts) proves the verdicts.
scenarioDefinitionTests(scenario, { minCriteria: 11, minOverlays: 5 });

describe(`${scenario.name}: definition (specific)`, () => {
  it('every deny criterion has a control (no control, no PASS)', async () => {
    for (const c of await loadCriteria(join(scenario.dir, 'criteria.yaml'))) {
      if (c.probe === 'rbac' && c.spec.expect === 'denied') expect(c.spec.control, c.id).toBeDefined();
    }
  });
});
