import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCriteria } from '@isoproof/core';
import { scenarioDefinitionTests, scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

// Offline checks; the cluster e2e (test/*.e2e.test.ts) proves the verdicts.
const AUDIT_FAIL_PROOF =
  'its FAIL is proven on real audit-log files by packages/probe-rbac/test/audit-log.test.ts (the audit family\'s own log side, the criterion from this criteria.yaml)';
scenarioDefinitionTests(scenario, {
  minCriteria: 17,
  minOverlays: 13,
  unflippable: {
    'AUDIT-SECRET-01': `depends on the API server's audit policy, which no manifest overlay can change (the local policy starts with a catch-all Metadata rule: no request can be sent to level None); ${AUDIT_FAIL_PROOF}`,
    'AUDIT-RBAC-01': `depends on the API server's audit policy, which no manifest overlay can change; ${AUDIT_FAIL_PROOF}`,
  },
});

describe(`${scenario.name}: definition (specific)`, () => {
  it('every deny criterion has a control (no control, no PASS)', async () => {
    for (const c of await loadCriteria(join(scenario.dir, 'criteria.yaml'))) {
      if (c.probe === 'rbac' && c.spec.expect === 'denied') expect(c.spec.control, c.id).toBeDefined();
    }
  });
});
