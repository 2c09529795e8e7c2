/**
 * Network probe benchmark (not a timed test):
 *
 *   npx tsx packages/probe-network/bench/matrix.ts --kubeconfig K [--context C] [--pods 30] [--ports 4]
 *       [--deny 0,50,90] [--timeout-ms 1500] [--parallel N] [--concurrency N]
 *       [--baseline auto|cyclonus|emulation|none] [--baseline-sample 360] [--baseline-parallel 15]
 *       [--prober FILE] [--json-out FILE] [--max-seconds 1800] [--keep]
 *
 * Creates `pods` agnhost porter pods serving `ports` TCP ports each in a bench namespace, then for
 * every deny level (percent of the pods x pods x ports cells a NetworkPolicy denies):
 *  1. applies the level's policy (none for 0) and polls until the matrix agrees with its simulation
 *     (time to enforce);
 *  2. one measured round of the whole matrix with one agent exec per source pod;
 *  3. validity gates, else NO figure: at 0% every cell must connect (a matrix with timeouts and no
 *     policy measures an overloaded host, not the prober); above 0% every cell must agree with the
 *     simulation (enforcement proven: denied cells time out, allowed ones connect);
 *  4. the baseline on the same pods in the same run: real cyclonus v0.5.6 (its KubeJobRunner, one exec
 *     of `/agnhost connect` per cell, 15 workers; built from its Go module, bench/cyclonus) when it
 *     builds, else a one-exec-per-probe emulation at 15 in flight, labelled as such; on a sample of the
 *     cells (--baseline-sample, 0 = all), validated against the simulation like the agent;
 *  5. one JSON line per run (level): cells, wall ms, cells/s, exec calls, load average, gates, baseline.
 * then deletes the namespace. Probes only go to the bench pods' own IPs. The deny timeout is the same
 * for every measurement and never shortened.
 *
 * --prober FILE (local provider only: one node, pods may mount host paths): mounts FILE's directory
 * read-only into the pods and runs that prober instead of the image's /isoproof-prober (measure a
 * prober before the images are rebuilt).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ResourceRef } from '@isoproof/core';
import { images, MANAGED_LABEL, newRun, RUN_LABEL } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';
import { SCENARIO_LABEL, applyObjects, checkReachable, deleteObjects, loadKube, rawRequest, waitForReady } from '@isoproof/kube';
import type { CellResult } from '../src/classify';
import { type Baseline, buildCyclonus, cyclonusBaseline, emulationBaseline } from './baseline';
import { agrees } from '../src/classify';
import { executeCells } from '../src/execute';
import { matrixGates } from '../src/validity';
import type { PlanCell, ProbePlan } from '../src/plan';
import { simulateCell, withNameLabel } from '../src/simulator';
import { loadSnapshot } from '../src/snapshot';
import { percentile, simulatedExpectation, waitStable } from '../src/stable';
import type { NetworkPolicy, SimPod, Snapshot } from '../src/types';

const IMAGE = images.probe;
const BASE_PORT = 8080;
const SLOT_LABEL = 'isoproof.dev/bench-slot';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    pods: { type: 'string', default: '30' },
    ports: { type: 'string', default: '4' },
    deny: { type: 'string', default: '0,50,90' },
    parallel: { type: 'string' },
    concurrency: { type: 'string' },
    'timeout-ms': { type: 'string', default: '1500' },
    baseline: { type: 'string', default: 'auto' },
    'baseline-sample': { type: 'string', default: '360' },
    'baseline-parallel': { type: 'string', default: '15' },
    prober: { type: 'string' },
    'json-out': { type: 'string' },
    'max-seconds': { type: 'string', default: '1800' },
    keep: { type: 'boolean', default: false },
  },
});

function fail(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(2);
}

function int(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer within ${min}..${max}`);
  return n;
}

const log = (l: string) => process.stdout.write(`${l}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);

function histogram(results: Iterable<CellResult>): Record<string, number> {
  const h: Record<string, number> = {};
  for (const r of results) h[r.result] = (h[r.result] ?? 0) + 1;
  return h;
}

function benchObjects(ns: string, pods: number, ports: number, prober?: string): KubeObject[] {
  const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [MANAGED_LABEL]: 'true' } } }];
  for (let i = 0; i < pods; i++) {
    const spec: Record<string, unknown> = {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'porter',
          image: IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: ['/agnhost'],
          args: ['porter'],
          env: Array.from({ length: ports }, (_, p) => ({ name: `SERVE_PORT_${BASE_PORT + p}`, value: 'isoproof' })),
          ports: Array.from({ length: ports }, (_, p) => ({ name: `p${p}`, containerPort: BASE_PORT + p, protocol: 'TCP' })),
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          // room for the baseline: cyclonus runs up to 15 concurrent `agnhost connect` execs in one pod; a
          // tight limit OOM-kills the porter mid-run and its cells fail for a reason that is not the prober
          resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { cpu: '2', memory: '1Gi' } },
          ...(prober ? { volumeMounts: [{ name: 'prober', mountPath: '/isoproof-dev', readOnly: true }] } : {}),
        },
      ],
      ...(prober ? { volumes: [{ name: 'prober', hostPath: { path: dirname(prober), type: 'Directory' } }] } : {}),
    };
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `bench-${String(i).padStart(2, '0')}`, namespace: ns, labels: { app: 'bench', [SLOT_LABEL]: String(i) } },
      spec,
    });
  }
  return objects;
}

/** The first `k` pods (by slot) refuse every ingress: k/pods of the cells are denied. */
function denyPolicy(ns: string, k: number): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-deny', namespace: ns },
    spec: {
      podSelector: { matchExpressions: [{ key: SLOT_LABEL, operator: 'In', values: Array.from({ length: k }, (_, i) => String(i)) }] },
      policyTypes: ['Ingress'],
    },
  };
}

function matrixPlan(snap: Snapshot, policies: NetworkPolicy[], pods: SimPod[], ports: number): ProbePlan {
  const nsMap = new Map(snap.namespaces.map((n) => [n.name, withNameLabel(n)]));
  const cells = new Map<string, PlanCell>();
  for (const src of pods) {
    for (const dst of pods) {
      for (let p = 0; p < ports; p++) {
        const port = BASE_PORT + p;
        const key = `${src.name} -> ${dst.name}:${port}/TCP`;
        cells.set(key, {
          key,
          runner: { kind: 'pod', namespace: src.namespace, pod: src.name, container: src.containers?.[0] },
          host: dst.ip,
          port,
          protocol: 'tcp',
          sim: simulateCell(policies, nsMap, { id: key, source: src, target: { pod: dst }, port, protocol: 'TCP' }),
          resources: [],
          row: src.name,
          col: `${dst.name}:${port}`,
        });
      }
    }
  }
  return { cells, checks: [], readiness: new Map() };
}

function sample<T>(items: T[], n: number): T[] {
  if (n === 0 || items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}

/** Container restarts summed over the bench pods (a restart mid-measurement invalidates it). */
async function podRestarts(kube: ReturnType<typeof loadKube>, ns: string): Promise<number> {
  const res = await rawRequest(kube, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` });
  if (res.status !== 200) throw new Error(`listing the bench pods failed: HTTP ${res.status}`);
  const list = res.body as { items?: { status?: { containerStatuses?: { restartCount?: number }[] } }[] };
  return (list.items ?? []).reduce((sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0), 0);
}

/** Cells whose observed result disagrees with the simulation. */
function disagreements(cells: PlanCell[], results: Map<string, CellResult>): PlanCell[] {
  return cells.filter((c) => !agrees(results.get(c.key)?.result, simulatedExpectation(c)));
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!args.kubeconfig) fail('usage: npx tsx packages/probe-network/bench/matrix.ts --kubeconfig <file> [--deny 0,50,90] [--baseline auto|cyclonus|emulation|none] (see the header)');
  const nPods = int('pods', args.pods, 2, 60);
  const nPorts = int('ports', args.ports, 1, 8);
  const timeoutMs = int('timeout-ms', args['timeout-ms'], 100, 10_000);
  const parallel = args.parallel === undefined ? undefined : int('parallel', args.parallel, 1, 64);
  const concurrency = args.concurrency === undefined ? undefined : int('concurrency', args.concurrency, 1, 4096);
  const baselineSample = int('baseline-sample', args['baseline-sample'], 0, 100_000);
  const baselineParallel = int('baseline-parallel', args['baseline-parallel'], 1, 64);
  const maxSeconds = int('max-seconds', args['max-seconds'], 60, 7200);
  const levels = (args.deny ?? '').split(',').map((s) => int('deny', s.trim(), 0, 100));
  if (!['auto', 'cyclonus', 'emulation', 'none'].includes(args.baseline ?? '')) fail('--baseline must be auto, cyclonus, emulation or none');
  const prober = args.prober ? resolve(args.prober) : undefined;
  if (prober && !existsSync(prober)) fail(`--prober ${prober}: file not found`);

  const kube = loadKube(args.kubeconfig, args.context);
  const { serverVersion } = await checkReachable(kube, 15_000);
  const run = newRun();
  const ns = `isoproof-bench-${run.id}`;
  log(`isoproof network bench on ${serverVersion}: namespace ${ns}, ${nPods} pods x ${nPods} x ${nPorts} ports, deny levels ${levels.join('/')}%, timeout ${timeoutMs} ms`);

  let baseline: Baseline | undefined;
  if (args.baseline === 'cyclonus' || args.baseline === 'auto') {
    const bin = buildCyclonus(log);
    if (bin) baseline = cyclonusBaseline(bin, resolve(args.kubeconfig), args.context, baselineParallel);
    else if (args.baseline === 'cyclonus') fail('--baseline cyclonus: the cyclonus baseline does not build (is the Go module proxy reachable?)');
  }
  if (!baseline && args.baseline !== 'none') baseline = emulationBaseline(kube, baselineParallel);
  if (baseline) log(`baseline: ${baseline.label}`);

  let cleaning: Promise<void> | undefined;
  const cleanup = async () => {
    if (args.keep) return;
    cleaning ??= (async () => {
      log(`deleting ${ns}`);
      await deleteObjects(kube, [{ apiVersion: 'v1', kind: 'Namespace', name: ns }], { waitMs: 120_000 }).catch((e: unknown) =>
        process.stderr.write(`cleanup failed: ${e instanceof Error ? e.message : String(e)} (isoproof sweep removes it)\n`),
      );
    })();
    await cleaning;
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  const deadline = setTimeout(() => {
    process.stderr.write(`bench exceeded --max-seconds ${maxSeconds}: cleaning up\n`);
    void cleanup().finally(() => process.exit(1));
  }, maxSeconds * 1000);
  deadline.unref();

  let invalid = 0;
  try {
    const t0 = Date.now();
    const refs: ResourceRef[] = await applyObjects(kube, benchObjects(ns, nPods, nPorts, prober), { runId: run.id, scenario: 'bench' });
    await waitForReady(kube, refs, { timeoutMs: 300_000 });
    log(`pods ready in ${secs(Date.now() - t0)} s`);
    const agentPath = prober ? `/isoproof-dev/${basename(prober)}` : undefined;
    const probeAll = (cells: PlanCell[]) => executeCells(cells, { kube, mode: 'agent', timeoutMs, concurrency, parallel, agentPath });

    for (const level of levels) {
      // a pod always reaches itself (AllowLoopback): k denied pods deny k x (pods-1) x ports cells
      const k = Math.min(nPods, Math.round(((level / 100) * nPods * nPods) / (nPods - 1)));
      const policyPath = `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/bench-deny`;
      const changed = Date.now();
      if (k > 0) {
        const np = denyPolicy(ns, k);
        np.metadata.labels = { [RUN_LABEL]: run.id, [SCENARIO_LABEL]: 'bench' };
        const res = await rawRequest(kube, { method: 'PATCH', path: policyPath, query: { fieldManager: 'isoproof-bench', force: 'true' }, contentType: 'application/apply-patch+yaml', body: np });
        if (res.status >= 300) throw new Error(`apply of NetworkPolicy ${ns}/bench-deny failed: ${res.status} ${res.text.split('\n')[0]}`);
      } else {
        await rawRequest(kube, { method: 'DELETE', path: policyPath });
      }
      const snap = await loadSnapshot(kube, [ns]);
      const pods = snap.pods.filter((p) => p.namespace === ns).sort((a, b) => a.name.localeCompare(b.name));
      if (pods.length !== nPods) throw new Error(`expected ${nPods} running bench pods, found ${pods.length}`);
      const plan = matrixPlan(snap, snap.policies, pods, nPorts);
      const all = [...plan.cells.values()];
      const denied = all.filter((c) => simulatedExpectation(c) === 'denied').length;

      // 1. until the matrix agrees with the simulation (time to enforce), bounded
      const stable = await waitStable(plan, { since: changed, intervalMs: 500, capMs: 60_000, probe: async (cells) => (await probeAll(cells)).results });
      const tte = all.filter((c) => simulatedExpectation(c) === 'denied').map((c) => stable.timeToEnforceMs.get(c.key)).filter((x): x is number => x !== undefined);

      // 2. the measured round
      const load = loadavg();
      const restartsBefore = await podRestarts(kube, ns);
      const m = await probeAll(all);
      const restartsAfter = await podRestarts(kube, ns);
      const rate = m.stats.cells / (m.stats.ms / 1000);
      const h = histogram(m.results.values());

      // 3. gates
      const gates = matrixGates(level, all, m.results, stable.unstable);
      if (restartsAfter !== restartsBefore) gates.push(`bench containers restarted ${restartsAfter - restartsBefore} time(s) during the measurement`);
      const valid = gates.length === 0;
      if (!valid) invalid++;

      // 4. baseline on the same pods, same level, same deny timeout
      let base: Record<string, unknown> | undefined;
      if (baseline) {
        const picked = sample(all, baselineSample);
        const bLoad = loadavg();
        const bRestartsBefore = await podRestarts(kube, ns);
        const b = await baseline.run(picked, timeoutMs);
        const bRestarts = (await podRestarts(kube, ns)) - bRestartsBefore;
        const bWrong = disagreements(picked, b.results);
        const bRate = picked.length / (b.ms / 1000);
        const bValid = bWrong.length === 0 && bRestarts === 0;
        if (!bValid) invalid++;
        base = {
          kind: baseline.kind,
          label: baseline.label,
          cells: picked.length,
          wallMs: b.ms,
          execs: b.execCalls,
          load1: Number(bLoad[0]!.toFixed(2)),
          valid: bValid,
          ...(bValid
            ? { cellsPerSec: Number(bRate.toFixed(1)) }
            : {
                invalid: [
                  ...(bWrong.length > 0 ? [`${bWrong.length} of ${picked.length} baseline cells disagree with the simulation`] : []),
                  ...(bRestarts > 0 ? [`bench containers restarted ${bRestarts} time(s) during the baseline`] : []),
                ].join('; '),
                disagreements: bWrong.slice(0, 10).map((c) => ({ key: c.key, expected: simulatedExpectation(c), observed: b.results.get(c.key)?.detail ?? 'no result' })),
              }),
          results: histogram(b.results.values()),
        };
        if (valid && bValid) base.agentSpeedup = Number((rate / bRate).toFixed(1));
      }

      const line = {
        bench: 'isoproof-network-matrix',
        run: run.id,
        serverVersion,
        denyPct: level,
        deniedCells: denied,
        deniedPct: Number(((100 * denied) / all.length).toFixed(1)),
        cells: m.stats.cells,
        shape: `${nPods}x${nPods}x${nPorts}`,
        timeoutMs,
        prober: prober ? `host file ${basename(prober)}` : 'image /isoproof-prober',
        wallMs: m.stats.ms,
        execs: m.stats.execCalls,
        load1: Number(load[0]!.toFixed(2)),
        valid,
        ...(valid ? { cellsPerSec: Number(rate.toFixed(1)) } : { gates }),
        results: h,
        timeToEnforce: { rounds: stable.rounds, elapsedMs: stable.elapsedMs, p50: percentile(tte, 50) ?? null, p95: percentile(tte, 95) ?? null },
        ...(base ? { baseline: base } : {}),
      };
      log(
        valid
          ? `deny ${level}%: ${m.stats.cells} cells in ${secs(m.stats.ms)} s = ${rate.toFixed(1)} cells/s, ${m.stats.execCalls} execs, load ${load[0]!.toFixed(2)}`
          : `deny ${level}%: NO FIGURE: ${gates.join('; ')}`,
      );
      if (base) log(`  baseline: ${base.valid ? `${String(base.cellsPerSec)} cells/s on ${String(base.cells)} cells` : `NO FIGURE: ${String(base.invalid)}`}`);
      const json = JSON.stringify(line);
      log(json);
      if (args['json-out']) appendFileSync(args['json-out'], `${json}\n`);
    }
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
  if (invalid > 0) {
    process.stderr.write(`${invalid} measurement(s) failed their validity gates: no figure for them\n`);
    process.exit(3);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
