import { evaluate } from '@isoproof/core';
import type { Check, Criterion, Waiver } from '@isoproof/core';
import { buildReport } from '../src/model';
import type { Report, ScenarioReport } from '../src/model';

const NOW = new Date('2026-06-15T12:00:00Z');

const crit = (id: string, title: string, probe: Criterion['probe'], severity?: Criterion['severity']): Criterion => ({
  id,
  title,
  seed: `001 US-INFRA-04: ${title}`,
  probe,
  vantage: probe === 'network' ? 'pod app=client in tenant-a' : 'ServiceAccount tenant-a/app',
  expectation: probe === 'network' ? 'connect times out' : 'request is refused with 403',
  ...(severity ? { severity } : {}),
  spec: {},
});

const netDeny = (id: string, allowedNow: boolean): Check => ({
  id,
  expect: 'denied',
  observation: {
    outcome: allowedNow ? 'allowed' : 'denied',
    result: allowedNow ? 'connected' : 'timeout',
    latencyMs: allowedNow ? 3 : 2000,
    evidence: {
      sent: `connect ${id.split(' -> ')[1] ?? id}`,
      received: allowedNow ? 'TCP handshake completed' : 'no answer within 2000 ms',
      resources: [
        { kind: 'Pod', namespace: 'tenant-a', name: 'client-7d9f' },
        { kind: 'NetworkPolicy', namespace: 'tenant-b', name: 'default-deny', apiVersion: 'networking.k8s.io/v1' },
      ],
    },
  },
  control: { outcome: 'allowed', result: 'connected', latencyMs: 2, evidence: { sent: 'connect tenant-a/server:8080/TCP' } },
});

const waivers: Waiver[] = [
  {
    criterion: 'RBAC-LEAST-02',
    selector: 'tenant-a/app get secrets*',
    reason: 'legacy job reads its own secret until v2',
    owner: 'team-platform',
    expires: '2026-12-31',
  },
];

/** A fixed report: PASS, FAIL, INCONCLUSIVE, waived, evidence with resources, a grid and a table section. */
export function fixtureReport(): Report {
  const tenant: ScenarioReport = {
    scenario: 'tenant-isolation',
    durationMs: 42_300,
    outcomes: [
      evaluate(crit('NET-TENANT-01', 'tenant A cannot reach tenant B', 'network', 'critical'), [
        netDeny('tenant-a/client -> tenant-b/server:8080/TCP', false),
        netDeny('tenant-a/client -> tenant-b/db:5432/TCP', false),
      ], { now: NOW }),
      evaluate(crit('NET-TENANT-02', 'tenant B cannot reach tenant A', 'network', 'high'), [
        netDeny('tenant-b/client -> tenant-a/server:8080/TCP', true),
        netDeny('tenant-b/client -> tenant-a/db:5432/TCP', false),
      ], { now: NOW }),
      evaluate(crit('NET-EGRESS-03', 'no egress to the metadata address', 'network', 'medium'), [
        {
          id: 'tenant-a/client -> 169.254.169.254:80/TCP',
          expect: 'denied',
          observation: { outcome: 'denied', result: 'timeout', latencyMs: 2000, evidence: { sent: 'connect 169.254.169.254:80' } },
        },
      ], { now: NOW }),
    ],
    sections: [
      {
        type: 'grid',
        title: 'Network truth table (observed)',
        rowLabels: ['tenant-a/client', 'tenant-b/client'],
        colLabels: ['tenant-a/server:8080', 'tenant-b/server:8080', 'tenant-b/db:5432'],
        cells: [
          ['X', '.', '.'],
          ['X!', 'X', 'X'],
        ],
        legend: '. denied, X allowed',
      },
      {
        type: 'table',
        title: 'Time to enforce',
        columns: ['Policy', 'Seconds'],
        rows: [['tenant-b/default-deny', '1.5']],
        note: 'polled every 500 ms, 10 s cap',
      },
    ],
  };
  const rbac: ScenarioReport = {
    scenario: 'rbac-least-privilege',
    overlay: 'wildcard-role',
    durationMs: 8_100,
    outcomes: [
      evaluate(crit('RBAC-LEAST-02', 'app cannot read secrets', 'rbac', 'high'), [
        {
          id: 'tenant-a/app get secrets tenant-a/db-password',
          expect: 'denied',
          observation: {
            outcome: 'allowed',
            result: '200 OK',
            evidence: {
              sent: 'GET /api/v1/namespaces/tenant-a/secrets/db-password',
              received: '200 OK',
              resources: [{ kind: 'ClusterRole', name: 'wildcard-reader' }],
            },
          },
          control: { outcome: 'allowed', result: '200 OK', evidence: { sent: 'GET /api/v1/namespaces/tenant-a/configmaps' } },
        },
      ], { waivers, now: NOW }),
      evaluate(crit('RBAC-LEAST-03', 'app cannot create pods in kube-system', 'rbac'), [
        {
          id: 'tenant-a/app create pods kube-system',
          expect: 'denied',
          observation: { outcome: 'error', result: 'infra-error', error: 'TokenRequest failed: 503 Service Unavailable', evidence: {} },
        },
      ], { now: NOW }),
    ],
    sections: [{ type: 'text', title: 'Notes', body: 'SelfSubjectAccessReview agreed with every real attempt.' }],
  };
  return buildReport({
    run: { id: 'r0123456789', startedAt: '2026-06-15T11:59:00.000Z' },
    tool: { name: 'isoproof', version: '0.1.0' },
    provider: 'local',
    cluster: { serverVersion: 'v1.34.1' },
    scenarios: [tenant, rbac],
    finishedAt: '2026-06-15T12:00:00.000Z',
  });
}
