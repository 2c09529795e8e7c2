import { describe, expect, it } from 'vitest';
import { settleRefs } from '../src/kind/settle';

describe('settleRefs', () => {
  it('asks for every node and the CoreDNS Deployment', () => {
    expect(settleRefs(['c-control-plane', 'c-worker'])).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: 'c-control-plane' },
      { apiVersion: 'v1', kind: 'Node', name: 'c-worker' },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'coredns', namespace: 'kube-system' },
    ]);
  });
});
