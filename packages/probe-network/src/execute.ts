import pLimit from 'p-limit';
import type { KubeHandle } from '@isoproof/kube';
import { execInPod } from '@isoproof/kube';
import { agentBudgetMs, agentPlan, parseAgentOutput, parseAgnhostConnect } from './agent-protocol';
import type { CellResult } from './classify';
import { hostConnect, nodeFallback } from './host-connect';
import type { NodeAgent } from './node-agents';
import type { PlanCell } from './plan';
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

function errorResults(cells: PlanCell[], detail: string): CellResult[] {
  return cells.map((c) => ({ key: c.key, result: 'infra-error' as const, latencyMs: 0, detail }));
}

/** Where an agent batch runs, and how its messages name it. */
interface AgentTarget {
  namespace: string;
  pod: string;
  container?: string | undefined;
  /** The log's "agent <at> failed" and "exec <at> failed": "in ns/pod", "on node x". */
  at: string;
  /** The cells' "<agent> failed" and "exec in <exec> failed". */
  agent: string;
  exec: string;
  /** Prefixed to each cell's detail. */
  detailPrefix?: string;
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
  const parallel = Math.max(1, o.parallel ?? 32);
  const agent = o.agentPath ?? AGENT_PATH;
  const results = new Map<string, CellResult>();
  const record = (rs: CellResult[]) => rs.forEach((r) => results.set(r.key, r));
  let execCalls = 0;
  const batches = batchBySource(cells);
  const host = batches.get('host') ?? [];
  batches.delete('host');

  /** One agent exec for a batch; an exec that fails or exits non-zero makes every cell of the batch infra-error. */
  const agentBatch = async (t: AgentTarget, batch: PlanCell[]): Promise<CellResult[]> => {
    if (o.signal?.aborted) return errorResults(batch, 'aborted');
    execCalls++;
    try {
      const r = await execInPod(o.kube, {
        namespace: t.namespace,
        pod: t.pod,
        container: t.container,
        command: [agent],
        stdin: agentPlan(batch, timeoutMs, concurrency),
        timeoutMs: agentBudgetMs(batch.length, timeoutMs, concurrency) + 15_000,
      });
      if (r.exitCode !== 0) {
        const why = (r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.exitCode}`;
        o.log?.(`agent ${t.at} failed: ${why}`);
        return errorResults(batch, `${t.agent} failed: ${why}`);
      }
      const out = parseAgentOutput(batch, r.stdout);
      return t.detailPrefix ? out.map((x) => ({ ...x, detail: `${t.detailPrefix}${x.detail}` })) : out;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      o.log?.(`exec ${t.at} failed: ${why}`);
      return errorResults(batch, `exec in ${t.exec} failed: ${why}`);
    }
  };

  const hostDone = pLimit(16)
    .map(host, (c) => hostConnect(c, timeoutMs))
    .then(record);

  // Node handshakes: one prober exec per hostNetwork node agent (any mode: these are TCP connects only).
  const nodeBatches = [...batches.entries()].filter(([, b]) => b[0]!.runner.kind === 'node');
  for (const [k] of nodeBatches) batches.delete(k);
  const nodeDone = pLimit(parallel).map(nodeBatches, async ([where, batch]) => {
    const runner = batch[0]!.runner as Extract<PlanCell['runner'], { kind: 'node' }>;
    const agentOf: NodeAgent = o.nodeAgents
      ? await o.nodeAgents.get(runner.node).catch((e: unknown) => ({ ok: false as const, reason: e instanceof Error ? e.message : String(e) }))
      : { ok: false, reason: `no hostNetwork node agent for node ${runner.node} in this run` };
    if (!agentOf.ok) {
      const plan = nodeFallback(runner, agentOf.reason);
      if (plan.kind === 'host') {
        const rs = await pLimit(16).map(batch, (c) => hostConnect(c, timeoutMs));
        return record(rs.map((r) => ({ ...r, detail: `${plan.note}; ${r.detail}` })));
      }
      return record(errorResults(batch, plan.reason));
    }
    const name = `hostNetwork agent on ${where}`;
    record(await agentBatch({ ...agentOf, at: `on ${where}`, agent: name, exec: name, detailPrefix: `from ${name}: ` }, batch));
  });

  if (mode === 'agent') {
    await pLimit(parallel).map([...batches.entries()], async ([where, batch]) => {
      const first = batch[0]!.runner as Extract<PlanCell['runner'], { kind: 'pod' }>;
      record(await agentBatch({ ...first, at: `in ${where}`, agent: `agent in ${where}`, exec: where }, batch));
    });
  } else {
    const podCells = [...batches.values()].flat();
    await pLimit(parallel).map(podCells, async (c) => {
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
