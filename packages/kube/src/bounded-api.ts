import { KubernetesObjectApi } from '@kubernetes/client-node';
import type { Configuration, KubernetesObject, RequestContext } from '@kubernetes/client-node';
import type { KubeHandle } from './kubeconfig';

/** Longest a single API request (read, list, delete, discovery) may take by default. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface BoundedApiOptions {
  /** Per-request budget in milliseconds (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Aborts every request in flight and any later one. */
  signal?: AbortSignal;
  /** Objects without a namespace go to the kubeconfig context's namespace (default true), else to "default". */
  contextNamespace?: boolean;
}

/**
 * client-node's dynamic object API with every request (discovery included) bounded in time and
 * abortable: a hung API server makes the request fail instead of blocking the caller forever.
 */
export class BoundedObjectApi extends KubernetesObjectApi {
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  signal: AbortSignal | undefined;

  protected override requestPromise<T extends KubernetesObject>(ctx: RequestContext, type?: string, options?: Configuration): Promise<T> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    ctx.setSignal(this.signal ? AbortSignal.any([timeout, this.signal]) : timeout);
    return super.requestPromise<T>(ctx, type, options);
  }
}

/** A BoundedObjectApi (or subclass) for `kube`. */
export function boundedObjectApi<A extends BoundedObjectApi = BoundedObjectApi>(
  kube: KubeHandle,
  opts: BoundedApiOptions = {},
  cls: new (c: Configuration) => A = BoundedObjectApi as unknown as new (c: Configuration) => A,
): A {
  const api = kube.kc.makeApiClient(cls);
  if (opts.contextNamespace !== false) (api as unknown as { setDefaultNamespace(kc: unknown): string }).setDefaultNamespace(kube.kc);
  api.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  api.signal = opts.signal;
  return api;
}
