import { Writable, Readable } from 'node:stream';
import { CoreV1Api, Exec } from '@kubernetes/client-node';
import type { V1Pod, V1Status } from '@kubernetes/client-node';
import { ExecError, KubeApiError, describeError } from './errors';
import { describeTarget } from './kubeconfig';
import type { KubeHandle } from './kubeconfig';
import { apiErrorLine, apiStatus } from './apply';

export interface ExecOptions {
  namespace: string;
  pod: string;
  /** Default: the pod's first container. */
  container?: string;
  command: string[];
  stdin?: string;
  /** Default 60 s. */
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Exit code from the exec status channel's V1Status. Pure. Returns undefined when it is not an exit. */
export function exitCodeFromStatus(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const n = Number(cause?.message);
    return Number.isInteger(n) ? n : 1;
  }
  return undefined;
}

class Collect extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Run a command in a pod over the exec WebSocket (v5 channel protocol). Returns stdout, stderr and the
 * exit code from the status channel. Throws ExecError when the exec cannot start, the API refuses it,
 * or it does not finish within `timeoutMs`.
 */
export async function execInPod(kube: KubeHandle, o: ExecOptions): Promise<ExecResult> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const where = `${o.namespace}/${o.pod}`;
  let container = o.container;
  if (!container) {
    try {
      const pod = await kube.kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: o.namespace, name: o.pod });
      container = pod.spec?.containers[0]?.name ?? '';
    } catch (e) {
      throw new ExecError(`exec in ${where}: cannot read the pod: ${apiErrorLine(e)}`, { cause: e });
    }
  }
  const stdout = new Collect();
  const stderr = new Collect();
  const stdin = o.stdin !== undefined ? Readable.from([Buffer.from(o.stdin)]) : null;
  let status: V1Status | undefined;
  let ws: Awaited<ReturnType<Exec['exec']>> | undefined;
  const started = Date.now();
  return await new Promise<ExecResult>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) return reject(err);
      if (!status) {
        return reject(new ExecError(`exec in ${where} (${container}) ended without a status after ${Date.now() - started} ms`));
      }
      const code = exitCodeFromStatus(status);
      if (code === undefined) {
        return reject(new ExecError(`exec in ${where} (${container}) failed: ${status.reason ?? ''} ${status.message ?? ''}`.trim()));
      }
      resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode: code });
    };
    const timer = setTimeout(() => {
      try {
        ws?.terminate();
      } catch {
        /* ignore */
      }
      finish(new ExecError(`exec in ${where} (${container}) timed out after ${timeoutMs} ms: ${o.command.join(' ').slice(0, 80)}`));
    }, timeoutMs);
    new Exec(kube.kc)
      .exec(o.namespace, o.pod, container!, o.command, stdout, stderr, stdin, false, (s) => {
        status = s;
      })
      .then((socket) => {
        ws = socket;
        socket.on('close', () => setImmediate(() => finish()));
        socket.on('error', (e: Error) => finish(new ExecError(`exec in ${where}: ${describeError(e)}`, { cause: e })));
      })
      .catch((e: unknown) => {
        finish(new ExecError(`exec in ${where} on ${describeTarget(kube)} failed: ${describeError(e)}`, { cause: e }));
      });
  });
}

/** Running (not terminating) pods of `namespace` matching every label of `selector`. */
export async function findPods(kube: KubeHandle, namespace: string, selector: Record<string, string>): Promise<V1Pod[]> {
  const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  try {
    const list = await kube.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector });
    return list.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  } catch (e) {
    throw new KubeApiError(`list pods ${labelSelector} in ${namespace} on ${describeTarget(kube)} failed: ${apiErrorLine(e)}`, apiStatus(e), { cause: e });
  }
}
