import { IsoproofError } from '@isoproof/core';

/** The kubeconfig file is missing, unreadable, or lacks the named context / a cluster. */
export class KubeconfigError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_KUBECONFIG', message, options);
  }
}

/** The API server named by the kubeconfig does not answer. */
export class UnreachableClusterError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_UNREACHABLE_CLUSTER', message, options);
  }
}

/** A manifest or overlay file cannot be parsed or lacks apiVersion/kind/metadata.name. */
export class InvalidManifestError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_INVALID_MANIFEST', message, options);
  }
}

/** A network-level failure talking to the API server (not an HTTP status). */
export class TransportError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_TRANSPORT', message, options);
  }
}

/** The API server refused an apply/delete/read we needed (HTTP status + reason in the message). */
export class KubeApiError extends IsoproofError {
  readonly status: number | undefined;
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super('ISOPROOF_KUBE_API', message, options);
    this.status = status;
  }
}

/** A readiness wait ran out of time. */
export class WaitTimeoutError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_WAIT_TIMEOUT', message, options);
  }
}

/** An exec into a pod could not be started or did not finish in time. */
export class ExecError extends IsoproofError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISOPROOF_EXEC', message, options);
  }
}

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
