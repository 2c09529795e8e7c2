import type { ResourceRef } from '@isoproof/core';
import { loadKube, waitForReady } from '@isoproof/kube';

/** How long `settleKindCluster` waits at most by default: nodes Ready and CoreDNS available. */
export const SETTLE_TIMEOUT_MS = 180_000;

/** What a kind cluster must show before a run may use it: every node Ready and the CoreDNS Deployment available. Pure. */
export function settleRefs(nodes: string[]): ResourceRef[] {
  return [
    ...nodes.map((name) => ({ apiVersion: 'v1', kind: 'Node', name })),
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'coredns', namespace: 'kube-system' },
  ];
}

/**
 * Waits, bounded, until every node is Ready and CoreDNS is available. kind's `--wait` covers the
 * control plane only: on a fresh cluster CoreDNS took another 24-34 s here, and a scenario probing DNS
 * in that window times out (INCONCLUSIVE at best). Throws WaitTimeoutError naming what is not ready.
 */
export async function settleKindCluster(kubeconfigPath: string, nodes: string[], log: (line: string) => void, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const started = Date.now();
  await waitForReady(loadKube(kubeconfigPath), settleRefs(nodes), { timeoutMs });
  log(`kind: ${nodes.length} node(s) Ready and CoreDNS available in ${Math.round((Date.now() - started) / 1000)}s`);
}
