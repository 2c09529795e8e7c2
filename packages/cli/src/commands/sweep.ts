import { UsageError } from '../errors';
import { type Values, kubeconfigFlag, providerFlag, str } from '../flags';
import type { Io } from '../io';

/** `isoproof sweep`: removes objects labelled isoproof.dev/run in a cluster, or leftover kind clusters. */
export async function cmdSweep(v: Values, io: Io): Promise<number> {
  const provider = providerFlag(v);
  const kubeconfig = kubeconfigFlag(v, provider);
  const runId = str(v, 'run');
  if (runId !== undefined && !/^r[0-9a-z]{10}$/.test(runId)) throw new UsageError(`--run ${runId}: not a run id (r + 10 lowercase letters or digits)`);
  if (kubeconfig) {
    const { loadKube, checkReachable, sweep } = await import('@isoproof/kube');
    const kube = loadKube(kubeconfig, str(v, 'context'));
    await checkReachable(kube, 8_000);
    const n = await sweep(kube, runId);
    io.out(`removed ${n} object(s) labelled isoproof.dev/run${runId ? `=${runId}` : ''}`);
    return 0;
  }
  const { selectProvider } = await import('@isoproof/cluster');
  const p = await selectProvider({ provider, name: str(v, 'cluster-name'), env: {}, log: (l: string) => io.err(l) });
  const removed = await p.sweep(str(v, 'prefix'));
  io.out(removed.length ? `removed clusters: ${removed.join(', ')}` : 'no leftover clusters');
  return 0;
}
