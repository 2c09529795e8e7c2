import { resolve } from 'node:path';
import { UsageError } from '../errors';
import { type Values, providerFlag, str } from '../flags';
import type { Io } from '../io';

/** `isoproof down`: deletes a cluster isoproof created (kind: optionally exporting its logs first). */
export async function cmdDown(v: Values, io: Io): Promise<number> {
  const provider = providerFlag(v);
  if (provider === 'existing') throw new UsageError("'down' deletes clusters isoproof created; for an existing cluster use 'isoproof sweep --kubeconfig FILE'");
  const { selectProvider, LocalProvider, KindProvider, DEFAULT_KIND_CLUSTER } = await import('@isoproof/cluster');
  // env {}: deleting needs no node image or config, and a stale ISOPROOF_KIND_CONFIG must not block it.
  const p = await selectProvider({ provider, name: str(v, 'cluster-name'), env: {}, log: (l: string) => io.err(l) });
  if (p instanceof LocalProvider) {
    if (str(v, 'logs') !== undefined) throw new UsageError('--logs is for --provider kind (the local provider keeps its logs in its state directory, /var/lib/isoproof-local/logs by default)');
    await p.down();
    io.err('local cluster stopped and cleaned');
    return 0;
  }
  const name = str(v, 'cluster-name') ?? DEFAULT_KIND_CLUSTER;
  const logs = str(v, 'logs');
  if (p instanceof KindProvider) {
    if (logs !== undefined) {
      // The logs are evidence, not a condition for deleting: a failed export is one line, then down goes on.
      await p.exportLogs(name, resolve(logs)).then(
        () => io.err(`logs of ${name} exported (redacted) to ${resolve(logs)}`),
        (e: unknown) => io.err(`log export of ${name} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`),
      );
    }
    await p.down(name);
  } else await (await p.reuse(name)).destroy();
  io.err(`cluster ${name} deleted (provider ${p.name})`);
  return 0;
}
