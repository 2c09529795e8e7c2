import { connect } from 'node:net';
import type { CellResult, CellResultKind } from './classify';
import type { PlanCell } from './plan';

/** Classifies a Node socket error code. */
export function classifyNodeError(code: string | undefined): CellResultKind {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
    case 'ISOPROOF_TIMEOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns-error';
    default:
      return 'infra-error';
  }
}

/** A TCP connect from the runner host (controls and readiness for the external listener). */
export function hostConnect(cell: PlanCell, timeoutMs: number): Promise<CellResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = connect({ host: cell.host, port: cell.port });
    let done = false;
    const finish = (result: CellResultKind, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ key: cell.key, result, latencyMs: Date.now() - started, detail });
    };
    const timer = setTimeout(() => finish('timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
    sock.once('connect', () => finish('connected', `connected to ${cell.host}:${cell.port}`));
    sock.once('error', (e: NodeJS.ErrnoException) => finish(classifyNodeError(e.code), e.message));
  });
}

/**
 * What a node handshake does when its node has no agent: the runner host connects instead only where the
 * provider fact podNetworkFromHost is "true" (the plan marks such cells hostFallback), else the cells are
 * infra-error with the reason (the checks they control are INCONCLUSIVE).
 */
export function nodeFallback(
  runner: Extract<PlanCell['runner'], { kind: 'node' }>,
  reason: string,
): { kind: 'host'; note: string } | { kind: 'error'; reason: string } {
  if (runner.hostFallback) return { kind: 'host', note: `no hostNetwork agent on node ${runner.node} (${reason}): runner host fallback (podNetworkFromHost)` };
  return {
    kind: 'error',
    reason: `no node handshake: ${reason}; the provider fact podNetworkFromHost is not "true", so the runner host cannot stand in`,
  };
}
