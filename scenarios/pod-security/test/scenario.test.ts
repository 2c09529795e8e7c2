import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifests } from '@isoproof/kube';
import { scenarioDefinitionTests, scenarioOf } from '@isoproof/run/testing';

const scenario = scenarioOf(import.meta.url);

// Offline checks; the cluster e2e (test/*.e2e.test.ts) proves the verdicts.
scenarioDefinitionTests(scenario, { minCriteria: 6, minOverlays: 4 });

describe(`${scenario.name}: definition (specific)`, () => {
  it('every workload of the baseline carries the MediSecure securityContext and resources', async () => {
    const objects = await readManifests(join(scenario.dir, 'manifests'));
    const deps = objects.filter((o) => o.kind === 'Deployment');
    expect(deps.length).toBeGreaterThan(0);
    for (const d of deps) {
      const spec = (d as unknown as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Array<{ securityContext: Record<string, unknown>; resources: { requests: object; limits: object } }> } } } }).spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      }
    }
  });
});
