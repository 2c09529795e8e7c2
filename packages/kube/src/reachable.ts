import { KubeconfigError, TransportError, UnreachableClusterError, describeError } from './errors';
import type { KubeHandle } from './kubeconfig';
import { describeTarget } from './kubeconfig';
import { rawRequest } from './raw';

/**
 * GET /version with a deadline. Throws UnreachableClusterError (ISOPROOF_UNREACHABLE_CLUSTER) with one
 * line naming the server, context and file, or KubeconfigError when the credentials are refused.
 */
export async function checkReachable(kube: KubeHandle, timeoutMs = 10_000): Promise<{ serverVersion: string }> {
  let res: Awaited<ReturnType<typeof rawRequest>>;
  try {
    res = await rawRequest(kube, { method: 'GET', path: '/version', timeoutMs });
  } catch (e) {
    const why = describeError(e instanceof TransportError && e.cause ? e.cause : e);
    throw new UnreachableClusterError(
      `cannot reach the cluster at ${describeTarget(kube)}: ${why} — check the kubeconfig or start the cluster`,
      { cause: e },
    );
  }
  if (res.status === 401) {
    throw new KubeconfigError(`the cluster at ${describeTarget(kube)} rejected the credentials (401 Unauthorized) — refresh the kubeconfig`);
  }
  if (res.status >= 200 && res.status < 300) {
    const body = res.body as { gitVersion?: unknown } | null;
    const v = body && typeof body === 'object' && typeof body.gitVersion === 'string' ? body.gitVersion : 'unknown';
    return { serverVersion: v };
  }
  if (res.status === 403) return { serverVersion: 'unknown (GET /version forbidden)' };
  throw new UnreachableClusterError(
    `the cluster at ${describeTarget(kube)} answered GET /version with HTTP ${res.status} — check that the server URL is a Kubernetes API server`,
  );
}
