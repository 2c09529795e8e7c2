import { connect } from 'node:net';
import type { KubeHandle } from '@isoproof/kube';
import { execInPod } from '@isoproof/kube';
import type { CellResult, CellResultKind } from './classify';
import { CELL_RESULT_KINDS } from './classify';
import type { PlanCell } from './plan';
import type { NodeAgent } from './node-agents';
import { batchBySource } from './plan';

export type ExecMode = 'agent' | 'perProbeExec';

export interface ExecuteOptions {
  kube: KubeHandle;
  /** agent: one exec of /isoproof-prober per source pod; perProbeExec: one `/agnhost connect` exec per cell. */
  mode?: ExecMode;
  timeoutMs?: number;
  /** Sockets open at once inside one agent (default: every cell of its batch, up to AGENT_SOCKET_BOUND). */
  concurrency?: number;
  /** Source pods (or, in perProbeExec, cells) probed in parallel (default 32). */
  parallel?: number;
  agentPath?: string;
  agnhostPath?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** hostNetwork node agents for node-handshake cells (runner kind 'node'); none: those cells fall back or fail. */
  nodeAgents?: { get(node: string): Promise<NodeAgent> };
}

export interface ExecuteStats {
  cells: number;
  execCalls: number;
  ms: number;
}

export const AGENT_PATH = '/isoproof-prober';
export const AGNHOST_PATH = '/agnhost';

/** Runs `fn` over items with at most `limit` in flight; results in item order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

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

function errorResults(cells: PlanCell[], detail: string): CellResult[] {
  return cells.map((c) => ({ key: c.key, result: 'infra-error' as const, latencyMs: 0, detail }));
}

/**
 * Executes cells: host cells locally, pod cells with one agent exec per source pod (all pods in
 * parallel, bounded), or one `/agnhost connect` exec per cell in perProbeExec mode. Never throws for a
 * failed exec: its cells become infra-error.
 */
export async function executeCells(cells: PlanCell[], o: ExecuteOptions): Promise<{ results: Map<string, CellResult>; stats: ExecuteStats }> {
  const started = Date.now();
  const mode = o.mode ?? 'agent';
  const timeoutMs = o.timeoutMs ?? 1500;
  const concurrency = o.concurrency;
  const parallel = o.parallel ?? 32;
  const agent = o.agentPath ?? AGENT_PATH;
  const results = new Map<string, CellResult>();
  let execCalls = 0;
  const batches = batchBySource(cells);
  const host = batches.get('host') ?? [];
  batches.delete('host');

  const hostDone = mapLimit(host, 16, (c) => hostConnect(c, timeoutMs)).then((rs) => rs.forEach((r) => results.set(r.key, r)));

  // Node handshakes: one prober exec per hostNetwork node agent (any mode: these are TCP connects only).
  const nodeBatches = [...batches.entries()].filter(([, b]) => b[0]!.runner.kind === 'node');
  for (const [k] of nodeBatches) batches.delete(k);
  const nodeDone = mapLimit(nodeBatches, parallel, async ([where, batch]) => {
    const runner = batch[0]!.runner as Extract<PlanCell['runner'], { kind: 'node' }>;
    const agentOf: NodeAgent = o.nodeAgents
      ? await o.nodeAgents.get(runner.node).catch((e: unknown) => ({ ok: false as const, reason: e instanceof Error ? e.message : String(e) }))
      : { ok: false, reason: `no hostNetwork node agent for node ${runner.node} in this run` };
    if (!agentOf.ok) {
      const plan = nodeFallback(runner, agentOf.reason);
      if (plan.kind === 'host') {
        const rs = await mapLimit(batch, 16, (c) => hostConnect(c, timeoutMs));
        return rs.forEach((r) => results.set(r.key, { ...r, detail: `${plan.note}; ${r.detail}` }));
      }
      return errorResults(batch, plan.reason).forEach((r) => results.set(r.key, r));
    }
    if (o.signal?.aborted) return errorResults(batch, 'aborted').forEach((r) => results.set(r.key, r));
    execCalls++;
    try {
      const r = await execInPod(o.kube, {
        namespace: agentOf.namespace,
        pod: agentOf.pod,
        container: agentOf.container,
        command: [agent],
        stdin: agentPlan(batch, timeoutMs, concurrency),
        timeoutMs: agentBudgetMs(batch.length, timeoutMs, concurrency) + 15_000,
      });
      if (r.exitCode !== 0) {
        const why = (r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.exitCode}`;
        o.log?.(`agent on ${where} failed: ${why}`);
        return errorResults(batch, `hostNetwork agent on ${where} failed: ${why}`).forEach((x) => results.set(x.key, x));
      }
      parseAgentOutput(batch, r.stdout).forEach((x) => results.set(x.key, { ...x, detail: `from hostNetwork agent on ${where}: ${x.detail}` }));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      o.log?.(`exec on ${where} failed: ${why}`);
      errorResults(batch, `exec in hostNetwork agent on ${where} failed: ${why}`).forEach((x) => results.set(x.key, x));
    }
  });

  if (mode === 'agent') {
    await mapLimit([...batches.entries()], parallel, async ([where, batch]) => {
      if (o.signal?.aborted) return errorResults(batch, 'aborted').forEach((r) => results.set(r.key, r));
      const first = batch[0]!.runner as Extract<PlanCell['runner'], { kind: 'pod' }>;
      execCalls++;
      try {
        const budget = agentBudgetMs(batch.length, timeoutMs, concurrency);
        const r = await execInPod(o.kube, {
          namespace: first.namespace,
          pod: first.pod,
          container: first.container,
          command: [agent],
          stdin: agentPlan(batch, timeoutMs, concurrency),
          timeoutMs: budget + 15_000,
        });
        if (r.exitCode !== 0) {
          const why = (r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.exitCode}`;
          o.log?.(`agent in ${where} failed: ${why}`);
          return errorResults(batch, `agent in ${where} failed: ${why}`).forEach((x) => results.set(x.key, x));
        }
        parseAgentOutput(batch, r.stdout).forEach((x) => results.set(x.key, x));
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        o.log?.(`exec in ${where} failed: ${why}`);
        errorResults(batch, `exec in ${where} failed: ${why}`).forEach((x) => results.set(x.key, x));
      }
    });
  } else {
    const podCells = [...batches.values()].flat();
    await mapLimit(podCells, parallel, async (c) => {
      const where = c.runner as Extract<PlanCell['runner'], { kind: 'pod' }>;
      execCalls++;
      const t0 = Date.now();
      try {
        const command =
          c.protocol === 'dns'
            ? [agent]
            : [o.agnhostPath ?? AGNHOST_PATH, 'connect', `${c.host}:${c.port}`, `--timeout=${timeoutMs}ms`, `--protocol=${c.protocol}`];
        const r = await execInPod(o.kube, {
          namespace: where.namespace,
          pod: where.pod,
          container: where.container,
          command,
          stdin: c.protocol === 'dns' ? agentPlan([c], timeoutMs, 1) : undefined,
          timeoutMs: timeoutMs + 15_000,
        });
        if (c.protocol === 'dns') {
          const [x] = parseAgentOutput([c], r.stdout);
          results.set(c.key, x!);
        } else {
          const x = parseAgnhostConnect(r.exitCode, r.stdout, r.stderr);
          results.set(c.key, { key: c.key, result: x.result, latencyMs: Date.now() - t0, detail: x.detail });
        }
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        results.set(c.key, { key: c.key, result: 'infra-error', latencyMs: Date.now() - t0, detail: why });
      }
    });
  }
  await hostDone;
  await nodeDone;
  return { results, stats: { cells: cells.length, execCalls, ms: Date.now() - started } };
}
