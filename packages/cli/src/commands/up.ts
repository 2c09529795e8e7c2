import { type Values, kindFlags, kubeconfigFlag, providerFlag, str } from '../flags';
import type { Io } from '../io';

/** `isoproof up`: creates (or reuses) a cluster; prints its kubeconfig path. */
export async function cmdUp(v: Values, io: Io): Promise<number> {
  const provider = providerFlag(v);
  const kubeconfig = kubeconfigFlag(v, provider);
  const kind = kindFlags(v, provider, kubeconfig);
  const { selectProvider } = await import('@isoproof/cluster');
  const p = await selectProvider({ provider, kubeconfig, context: str(v, 'context'), name: str(v, 'cluster-name'), ...(kind ? { kind } : {}), log: (l: string) => io.err(l) });
  const cluster = await p.up();
  io.err(`cluster ready (provider ${p.name}); kubeconfig:`);
  io.out(cluster.kubeconfigPath);
  return 0;
}
