import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ClusterHandle } from '../types';
import { kindDeleteArgs, kindFacts, kindLoadArchiveArgs } from './args';
import type { StartedExternalListener } from './external-listener';
import { sweepExternalListeners } from './external-listener';

export interface KindHandleInput {
  name: string;
  kubeconfigPath: string;
  /** The provider's directory of the cluster and its audit directory. */
  clusterDir: string;
  auditDir: string;
  /** Created by this handle's provider call (destroyed on dispose), or reused. */
  owned: boolean;
  ingressFacts: Record<string, string>;
  listener?: StartedExternalListener;
  /** Runs kind with the cluster's kubeconfig. */
  kind: (args: string[], kubeconfigPath: string) => Promise<string>;
  exportLogs: (dir: string) => Promise<void>;
}

/** The ClusterHandle of a kind cluster: its facts, image loading, log export and teardown. */
export function kindClusterHandle(h: KindHandleInput): ClusterHandle {
  const { name, kubeconfigPath, owned, listener } = h;
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    await listener?.stop().catch(() => {});
    await sweepExternalListeners({ clusters: [name] });
    await h.kind(kindDeleteArgs(name, kubeconfigPath), kubeconfigPath);
    await rm(kubeconfigPath, { force: true });
    await rm(h.clusterDir, { recursive: true, force: true });
  };
  return {
    name,
    kubeconfigPath,
    context: `kind-${name}`,
    facts: {
      ...kindFacts(name, h.auditDir),
      ...h.ingressFacts,
      ...(listener ? { externalTarget: listener.target } : {}),
    },
    owned,
    loadImages: async (archives: string[]) => {
      for (const a of archives) await h.kind(kindLoadArchiveArgs(name, resolve(a)), kubeconfigPath);
    },
    exportLogs: h.exportLogs,
    destroy,
    [Symbol.asyncDispose]: async () => {
      if (owned) await destroy();
      // A listener this handle started goes with it; a reused one belongs to whoever started it
      // (e.g. `isoproof up`) and is removed by `down`/destroy or `sweep`.
      else if (listener && !listener.reused) await listener.stop().catch(() => {});
    },
  };
}
