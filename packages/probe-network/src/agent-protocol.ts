import type { CellResult, CellResultKind } from './classify';
import { CELL_RESULT_KINDS } from './classify';
import type { PlanCell } from './plan';

/** The agent's socket bound when a plan names no concurrency (agent/main.go defaultSocketBound). */
export const AGENT_SOCKET_BOUND = 1024;

/**
 * The agent's own wall-clock bound for a batch (see agent/main.go Budget). Without `concurrency` the
 * agent opens a socket per cell up to AGENT_SOCKET_BOUND, so a batch within the bound is one wave.
 */
export function agentBudgetMs(cells: number, timeoutMs: number, concurrency?: number): number {
  const bound = concurrency ?? Math.min(Math.max(cells, 1), AGENT_SOCKET_BOUND);
  return timeoutMs * Math.ceil(cells / bound) + 2000;
}

/**
 * Builds the agent's stdin plan for one batch; ids are the batch indexes. Without `concurrency` the
 * agent lets every cell of the batch wait at once (bounded sockets): the denied cells of one source
 * wait their timeout together.
 */
export function agentPlan(cells: PlanCell[], timeoutMs: number, concurrency?: number): string {
  return JSON.stringify({
    timeoutMs,
    ...(concurrency !== undefined ? { concurrency } : {}),
    cells: cells.map((c, i) => ({ id: String(i), host: c.host, port: c.port, protocol: c.protocol })),
  });
}

/** Parses the agent's JSON lines back onto the batch's cells. Missing or malformed lines -> infra-error. */
export function parseAgentOutput(cells: PlanCell[], stdout: string): CellResult[] {
  const byId = new Map<string, { result?: unknown; latencyMs?: unknown; detail?: unknown }>();
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const v = JSON.parse(t) as { id?: unknown };
      if (typeof v.id === 'string') byId.set(v.id, v as never);
    } catch {
      /* skip a malformed line */
    }
  }
  return cells.map((c, i) => {
    const v = byId.get(String(i));
    const kind = v?.result;
    if (!v || typeof kind !== 'string' || !CELL_RESULT_KINDS.includes(kind as CellResultKind)) {
      return { key: c.key, result: 'infra-error', latencyMs: 0, detail: 'the agent gave no result for this cell' };
    }
    return {
      key: c.key,
      result: kind as CellResultKind,
      latencyMs: typeof v.latencyMs === 'number' ? v.latencyMs : 0,
      detail: typeof v.detail === 'string' ? v.detail : '',
    };
  });
}

const AGNHOST_MARKER = /^(TIMEOUT|REFUSED|DNS|OTHER)(?::\s*(.*))?$/;

/**
 * Classifies `/agnhost connect` output. Exit 0 is a connect. On failure agnhost prints exactly one
 * result line on stderr starting with its own marker (TIMEOUT, REFUSED, DNS or OTHER); only that line
 * is trusted. Anything else (exec or runtime errors, a missing binary, words like "timeout" elsewhere
 * in the output) is infra-error: it says nothing about the network.
 */
export function parseAgnhostConnect(exitCode: number, stdout: string, stderr: string): { result: CellResultKind; detail: string } {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] ?? stdout.trim().split('\n')[0] ?? '';
  if (exitCode === 0) return { result: 'connected', detail: first };
  const m = lines.length === 1 ? AGNHOST_MARKER.exec(lines[0]!) : null;
  if (!m) return { result: 'infra-error', detail: `not an agnhost connect result (exit ${exitCode}): ${first}`.trim() };
  const rest = m[2] ?? '';
  switch (m[1]) {
    case 'TIMEOUT':
      return { result: 'timeout', detail: first };
    case 'REFUSED':
      return { result: 'refused', detail: first };
    case 'DNS':
      return { result: 'dns-error', detail: first };
    default:
      // OTHER: agnhost's catch-all; only an unreachable route is named, the rest says nothing.
      if (/\b(no route to host|network is unreachable|host is unreachable)$/i.test(rest)) return { result: 'unreachable', detail: first };
      return { result: 'infra-error', detail: first };
  }
}
