import { describe, expect, it } from 'vitest';
import { evaluate } from '@isoproof/core';
import type { Check, Criterion } from '@isoproof/core';
import { buildReport } from '../src/model';
import { renderSarif } from '../src/render-sarif';

// Code scanning must point at each leaked secret: one SARIF result per finding, located at its object
// and path, leveled by the finding's severity (issue 13).
const crit: Criterion = { id: 'SECRET-CM-01', title: 'no secret in ConfigMaps', seed: 's', probe: 'secrets', vantage: 'admin', expectation: 'no finding', severity: 'high', spec: {} };
const cm = { kind: 'ConfigMap', namespace: 'shop', name: 'orders-config', apiVersion: 'v1' };
const check: Check = {
  id: 'configmap configmap/shop/orders-config',
  expect: 'holds',
  observation: {
    outcome: 'violated',
    result: '2 secret(s) found',
    evidence: {
      resources: [cm],
      findings: [
        { rule: 'aws-secret-access-key', severity: 'critical', resource: cm, path: 'data.AWS_SECRET_ACCESS_KEY', hash: 'hmac:0123456789abcdef' },
        { rule: 'generic-secret', severity: 'medium', resource: cm, path: 'data.PAYMENTS_API_KEY', hash: 'hmac:fedcba9876543210' },
      ],
    },
  },
};

describe('SARIF findings', () => {
  it('one result per finding, at its object and path, level by severity', () => {
    const report = buildReport({
      run: { id: 'r0000000001', startedAt: '2026-01-01T00:00:00.000Z' },
      tool: { name: 'isoproof', version: '0.1.0' },
      provider: 'local',
      cluster: { serverVersion: 'v1.34.4' },
      scenarios: [{ scenario: 'secret-hygiene', outcomes: [evaluate(crit, [check])], sections: [], durationMs: 1 }],
      finishedAt: '2026-01-01T00:00:01.000Z',
    });
    const s = JSON.parse(renderSarif(report)) as {
      runs: Array<{ results: Array<{ ruleId: string; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } }; logicalLocations: Array<{ fullyQualifiedName: string }> }>; properties: Record<string, unknown>; partialFingerprints: Record<string, string> }> }>;
    };
    const results = s.runs[0]!.results;
    expect(results).toHaveLength(2);
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['SECRET-CM-01', 'error'],
      ['SECRET-CM-01', 'warning'],
    ]);
    expect(results[0]!.locations).toHaveLength(1);
    expect(results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('k8s://shop/ConfigMap/orders-config');
    expect(results[0]!.locations[0]!.logicalLocations[0]!.fullyQualifiedName).toBe('shop/ConfigMap/orders-config:data.AWS_SECRET_ACCESS_KEY');
    expect(results[0]!.message.text).toMatch(/aws-secret-access-key \[critical\] at ConfigMap shop\/orders-config data\.AWS_SECRET_ACCESS_KEY/);
    expect(results[0]!.properties).toMatchObject({ finding: 'aws-secret-access-key', severity: 'critical', 'security-severity': '9.5' });
    expect(results[0]!.partialFingerprints['isoproofFinding/v1']).not.toBe(results[1]!.partialFingerprints['isoproofFinding/v1']);
  });
});
