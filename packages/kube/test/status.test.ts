import { describe, expect, it } from 'vitest';
import { exitCodeFromStatus } from '../src/exec';
import { notReadyReason } from '../src/wait';

describe('exitCodeFromStatus', () => {
  it.each([
    [{ status: 'Success' }, 0],
    [{ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } }, 7],
    [{ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [] } }, 1],
    [{ status: 'Failure', reason: 'InternalError', message: 'container not found' }, undefined],
  ])('%j -> %s', (status, code) => {
    expect(exitCodeFromStatus(status)).toBe(code);
  });
});

describe('notReadyReason', () => {
  it.each([
    ['Node', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, null],
    ['Node', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] } }, 'not Ready (KubeletNotReady)'],
    ['Node', { status: {} }, 'not Ready'],
    ['Namespace', { status: { phase: 'Active' } }, null],
    ['Namespace', { status: { phase: 'Terminating' } }, 'phase Terminating'],
    ['Deployment', { metadata: { generation: 2 }, spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } }, null],
    ['Deployment', { metadata: { generation: 3 }, spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } }, 'rollout not observed yet'],
    ['Deployment', { metadata: { generation: 1 }, spec: {}, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 } }, '1/1 available, 1 updated'],
    ['StatefulSet', { spec: { replicas: 1 }, status: { readyReplicas: 0, updatedReplicas: 1 } }, '0/1 ready, 1 updated'],
    ['DaemonSet', { status: { desiredNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1 } }, null],
    ['DaemonSet', { status: { desiredNumberScheduled: 0 } }, 'no node scheduled'],
    ['Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, null],
    ['Pod', { status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImageNeverPull' } } }] } }, 'ErrImageNeverPull'],
    ['Job', { status: { succeeded: 1 } }, null],
    ['CustomResourceDefinition', { status: { conditions: [{ type: 'Established', status: 'True' }] } }, null],
    ['ServiceAccount', {}, null],
    ['Service', { spec: { selector: { app: 'x' } } }, 'no ready endpoints'],
    ['Service', { spec: {} }, null],
  ])('%s %j -> %s', (kind, obj, want) => {
    expect(notReadyReason(kind, obj)).toBe(want);
  });

  it('counts a Service ready once a slice has a ready endpoint', () => {
    const svc = { spec: { selector: { app: 'x' } } };
    expect(notReadyReason('Service', svc, [{ endpoints: [{ conditions: { ready: false } }] }])).toBe('no ready endpoints');
    expect(notReadyReason('Service', svc, [{ endpoints: [{ conditions: { ready: true } }] }])).toBeNull();
  });
});
