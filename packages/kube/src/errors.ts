import { codedError } from '@isoproof/core';

/** The kubeconfig file is missing, unreadable, or lacks the named context / a cluster. */
export class KubeconfigError extends codedError('ISOPROOF_KUBECONFIG') {}

/** The API server named by the kubeconfig does not answer. */
export class UnreachableClusterError extends codedError('ISOPROOF_UNREACHABLE_CLUSTER') {}

/** A manifest or overlay file cannot be parsed or lacks apiVersion/kind/metadata.name. */
export class InvalidManifestError extends codedError('ISOPROOF_INVALID_MANIFEST') {}

/** A network-level failure talking to the API server (not an HTTP status). */
export class TransportError extends codedError('ISOPROOF_TRANSPORT') {}

/** The API server refused an apply/delete/read we needed (HTTP status + reason in the message). */
export class KubeApiError extends codedError('ISOPROOF_KUBE_API') {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** A readiness wait ran out of time. */
export class WaitTimeoutError extends codedError('ISOPROOF_WAIT_TIMEOUT') {}

/** An exec into a pod could not be started or did not finish in time. */
export class ExecError extends codedError('ISOPROOF_EXEC') {}

/** Short one-line description of any thrown value (for messages). */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object') {
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    // AggregateError from happy-eyeballs connects: use the first inner error.
    if (Array.isArray(err.errors) && err.errors.length > 0) return describeError(err.errors[0]);
    const msg = typeof err.message === 'string' ? err.message : String(e);
    const cause = err.cause ? describeError(err.cause) : '';
    const line = cause && !msg.includes(cause) ? `${msg}: ${cause}` : msg;
    return line.split('\n')[0]!.trim();
  }
  return String(e).split('\n')[0]!.trim();
}
