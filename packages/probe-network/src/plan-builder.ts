import { simulateCell, withNameLabel } from './simulator';
import type { PlanCell, PlanCheck } from './plan';
import type { Resolved } from './targets';
import { podLabel, podRef } from './targets';
import type { SimCell, SimNamespace, SimPod, SimResult, Snapshot } from './types';

/** Where a planned cell runs: a source pod, the runner host, or a hostNetwork node agent. */
export type CellSource = SimPod | 'host' | { node: string; hostFallback?: true };

/**
 * The plan being built: its cells (deduplicated by key), checks and listener readiness cells, and the
 * NetworkPolicy simulation of each pod cell.
 */
export class PlanBuilder {
  readonly cells = new Map<string, PlanCell>();
  readonly checks: PlanCheck[] = [];
  readonly readiness = new Map<string, string>();
  readonly nsMap: Map<string, SimNamespace>;

  constructor(private readonly snap: Snapshot) {
    this.nsMap = new Map(snap.namespaces.map((n) => [n.name, withNameLabel(n)]));
  }

  simulate(source: SimPod, r: Resolved): SimResult | undefined {
    if ('pod' in r.target || 'ip' in r.target || 'loopback' in r.target) {
      const cell: SimCell = { id: '', source, target: r.target, port: r.destPort, protocol: r.protocol };
      return simulateCell(this.snap.policies, this.nsMap, cell);
    }
    return undefined;
  }

  addCell(runner: CellSource, r: Resolved, simulate: boolean): PlanCell {
    if (typeof runner === 'object' && !('namespace' in runner)) {
      const row = `node ${runner.node}`;
      const key = `${row} -> ${r.keyTail}`;
      let cell = this.cells.get(key);
      if (!cell) {
        cell = {
          key,
          runner: { kind: 'node', node: runner.node, ...(runner.hostFallback ? { hostFallback: true as const } : {}) },
          host: r.host,
          port: r.port,
          protocol: r.wire,
          listener: r.listener,
          resources: [...r.resources],
          row,
          col: r.col,
        };
        this.cells.set(key, cell);
      }
      return cell;
    }
    const row = runner === 'host' ? 'host' : podLabel(runner);
    const key = `${row} -> ${r.keyTail}`;
    const existing = this.cells.get(key);
    if (existing) return existing;
    const cell: PlanCell = {
      key,
      runner: runner === 'host' ? { kind: 'host' } : { kind: 'pod', namespace: runner.namespace, pod: runner.name, container: runner.containers?.[0] },
      host: r.host,
      port: r.port,
      protocol: r.wire,
      sim: runner !== 'host' && simulate && (r.wire !== 'dns' || r.destPod) ? this.simulate(runner, r) : undefined,
      listener: r.listener,
      resources: [...(runner === 'host' ? [] : [podRef(runner)]), ...r.resources],
      row,
      col: r.col,
    };
    this.cells.set(key, cell);
    return cell;
  }

  /** A loopback cell inside the destination pod: proves the listener answers, whatever the policies. */
  addReadiness(r: Resolved): string | undefined {
    if (!r.listener) return undefined;
    const have = this.readiness.get(r.listener);
    if (have) return have;
    let key: string | undefined;
    if (r.destPod) {
      const p = r.destPod;
      const lo: Resolved = {
        ...r,
        target: { loopback: true },
        host: '127.0.0.1',
        port: r.destPort,
        col: `loopback:${r.destPort}/${r.protocol}`,
        keyTail: `loopback:${r.destPort}/${r.protocol}`,
        resources: [],
      };
      key = this.addCell(p, lo, true).key;
    } else if (r.origin === 'external') {
      // the project's own external listener: the runner host checks it answers
      key = this.addCell('host', r, false).key;
    }
    if (key) this.readiness.set(r.listener, key);
    return key;
  }
}
