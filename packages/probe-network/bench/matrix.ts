/**
 * Network probe benchmark (not a timed test):
 *
 *   npx tsx packages/probe-network/bench/matrix.ts --kubeconfig K [--context C] [--pods 30] [--ports 4]
 *       [--sample 120] [--parallel 30] [--baseline-parallel 8] [--timeout-ms 1500] [--keep]
 *
 * Creates `pods` agnhost porter pods serving `ports` TCP ports each in a bench namespace, then:
 *  1. the full pods x pods x ports matrix with one agent exec per source pod (cells, seconds, cells/s,
 *     exec calls);
 *  2. the baseline to beat, one exec per probe (`/agnhost connect`, cyclonus-style) on a sample of the
 *     cells, extrapolated to the whole matrix (printed as such);
 *  3. time-to-enforce: applies a deny policy and polls until the matrix agrees with its simulation
 *     (500 ms interval, re-probing only wrong cells), printing p50/p95/max;
 * then deletes the namespace. Probes only go to the bench pods' own IPs.
 */
import { parseArgs } from 'node:util';
import type { ResourceRef } from '@isoproof/core';
import { MANAGED_LABEL, newRun } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';
import { RUN_LABEL } from '@isoproof/core';
import { SCENARIO_LABEL, applyObjects, checkReachable, deleteObjects, loadKube, rawRequest, waitForReady } from '@isoproof/kube';
import type { CellResult } from '../src/classify';
import { executeCells } from '../src/execute';
import type { PlanCell, ProbePlan } from '../src/plan';
import { simulateCell, withNameLabel } from '../src/simulator';
import { loadSnapshot } from '../src/snapshot';
import { percentile, simulatedExpectation, waitStable } from '../src/stable';
import type { NetworkPolicy, SimPod, Snapshot } from '../src/types';

const IMAGE = 'isoproof.local/agnhost:2.56-isoproof1';
const BASE_PORT = 8080;

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    pods: { type: 'string', default: '30' },
    ports: { type: 'string', default: '4' },
    sample: { type: 'string', default: '120' },
    parallel: { type: 'string', default: '30' },
    'baseline-parallel': { type: 'string', default: '8' },
    'timeout-ms': { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '128' },
    'max-seconds': { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
  },
});

function int(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be an integer within ${min}..${max}\n`);
    process.exit(2);
  }
  return n;
}

const log = (l: string) => process.stdout.write(`${l}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(1);

function histogram(results: Iterable<CellResult>): string {
  const h = new Map<string, number>();
  for (const r of results) h.set(r.result, (h.get(r.result) ?? 0) + 1);
  return [...h].map(([k, v]) => `${k} ${v}`).join(', ');
}

function benchObjects(ns: string, pods: number, ports: number): KubeObject[] {
  const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [MANAGED_LABEL]: 'true' } } }];
  for (let i = 0; i < pods; i++) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `bench-${String(i).padStart(2, '0')}`, namespace: ns, labels: { app: 'bench', group: i % 2 === 0 ? 'a' : 'b' } },
      spec: {
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
            resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { cpu: '250m', memory: '64Mi' } },
          },
        ],
      },
    });
  }
  return objects;
}

/** Group b accepts only group b, and only on the first half of the ports: a deny for a known subset. */
function denyPolicy(ns: string, ports: number): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'bench-deny', namespace: ns },
    spec: {
      podSelector: { matchLabels: { group: 'b' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { group: 'b' } } }],
          ports: Array.from({ length: Math.max(1, Math.floor(ports / 2)) }, (_, p) => ({ protocol: 'TCP', port: BASE_PORT + p })),
        },
      ],
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
  if (items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}

async function main(): Promise<void> {
  if (!args.kubeconfig) {
    process.stderr.write('usage: npx tsx packages/probe-network/bench/matrix.ts --kubeconfig <file> [--context C] [--pods 30] [--ports 4] [--sample 120] [--keep]\n');
    process.exit(2);
  }
  const nPods = int('pods', args.pods, 2, 60);
  const nPorts = int('ports', args.ports, 1, 8);
  const nSample = int('sample', args.sample, 0, 10_000);
  const parallel = int('parallel', args.parallel, 1, 64);
  const baselineParallel = int('baseline-parallel', args['baseline-parallel'], 1, 32);
  const timeoutMs = int('timeout-ms', args['timeout-ms'], 100, 10_000);
  const concurrency = int('concurrency', args.concurrency, 1, 1024);
  const maxSeconds = int('max-seconds', args['max-seconds'], 60, 3600);

  const kube = loadKube(args.kubeconfig, args.context);
  const { serverVersion } = await checkReachable(kube, 15_000);
  const run = newRun();
  const ns = `isoproof-bench-${run.id}`;
  log(`isoproof network bench on ${serverVersion}: namespace ${ns}, ${nPods} pods x ${nPorts} ports`);

  let refs: ResourceRef[] = [];
  let cleaning: Promise<void> | undefined;
  // Deletes the bench namespace by name (even after a partial apply); idempotent.
  const cleanup = async () => {
    if (args.keep) return;
    cleaning ??= (async () => {
      log(`deleting ${ns}`);
      const t = Date.now();
      await deleteObjects(kube, [{ apiVersion: 'v1', kind: 'Namespace', name: ns }], { waitMs: 120_000 })
        .then(() => log(`deleted ${ns} in ${secs(Date.now() - t)} s`))
        .catch((e: unknown) =>
          process.stderr.write(`cleanup failed: ${e instanceof Error ? e.message : String(e)} (isoproof sweep removes it)\n`),
        );
    })();
    await cleaning;
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  // The whole bench is bounded: past --max-seconds it cleans up and exits non-zero.
  const deadline = setTimeout(() => {
    process.stderr.write(`bench exceeded --max-seconds ${maxSeconds}: cleaning up\n`);
    void cleanup().finally(() => process.exit(1));
  }, maxSeconds * 1000);
  deadline.unref();

  try {
    const t0 = Date.now();
    refs = await applyObjects(kube, benchObjects(ns, nPods, nPorts), { runId: run.id, scenario: 'bench' });
    await waitForReady(kube, refs, { timeoutMs: 300_000 });
    log(`pods ready in ${secs(Date.now() - t0)} s`);

    let snap = await loadSnapshot(kube, [ns]);
    const pods = snap.pods.filter((p) => p.namespace === ns).sort((a, b) => a.name.localeCompare(b.name));
    if (pods.length !== nPods) throw new Error(`expected ${nPods} running bench pods, found ${pods.length}`);
    let plan = matrixPlan(snap, [], pods, nPorts);
    const all = [...plan.cells.values()];

    // 1. the matrix, one agent exec per source pod
    const agent = await executeCells(all, { kube, mode: 'agent', timeoutMs, concurrency, parallel });
    const rate = agent.stats.cells / (agent.stats.ms / 1000);
    log(
      `agent: ${agent.stats.cells} cells (${nPods} x ${nPods} x ${nPorts}) in ${secs(agent.stats.ms)} s = ${rate.toFixed(1)} cells/s, ` +
        `${agent.stats.execCalls} exec calls; ${histogram(agent.results.values())}`,
    );

    // 2. baseline: one exec per probe, on a sample, extrapolated
    if (nSample > 0) {
      const picked = sample(all, nSample);
      const base = await executeCells(picked, { kube, mode: 'perProbeExec', timeoutMs, parallel: baselineParallel });
      const bRate = base.stats.cells / (base.stats.ms / 1000);
      log(
        `baseline one-exec-per-probe (${baselineParallel} in flight): sampled ${picked.length} of ${all.length} cells in ${secs(base.stats.ms)} s = ` +
          `${bRate.toFixed(1)} cells/s, ${base.stats.execCalls} exec calls; ${histogram(base.results.values())}`,
      );
      log(
        `baseline extrapolated to ${all.length} cells: ~${secs((all.length / bRate) * 1000)} s, ${all.length} exec calls ` +
          `(agent is ${(rate / bRate).toFixed(1)}x faster, ${all.length / Math.max(1, agent.stats.execCalls)}x fewer execs)`,
      );
    }

    // 3. time-to-enforce after a policy change
    // Server-side apply of the plain JSON: client-node's model serializer drops an ingress rule's
    // `from` (its model field is `_from`), which would silently open the rule to every peer.
    const np = denyPolicy(ns, nPorts);
    np.metadata.labels = { [RUN_LABEL]: run.id, [SCENARIO_LABEL]: 'bench' };
    const res = await rawRequest(kube, {
      method: 'PATCH',
      path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${np.metadata.name}`,
      query: { fieldManager: 'isoproof-bench', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: np,
    });
    if (res.status >= 300) throw new Error(`apply of NetworkPolicy ${ns}/${np.metadata.name} failed: ${res.status} ${res.text.split('\n')[0]}`);
    const applied = Date.now();
    snap = await loadSnapshot(kube, [ns]);
    plan = matrixPlan(snap, snap.policies, pods, nPorts);
    const expectDeny = [...plan.cells.values()].filter((c) => c.sim?.verdict === 'deny').length;
    let execCalls = 0;
    const stable = await waitStable(plan, {
      since: applied,
      intervalMs: 500,
      capMs: 30_000,
      probe: async (cells) => {
        const r = await executeCells(cells, { kube, mode: 'agent', timeoutMs, concurrency, parallel });
        if (execCalls === 0) {
          // The full matrix under the policy: every denied cell costs a whole timeout.
          log(
            `agent under bench-deny (round 1): ${r.stats.cells} cells in ${secs(r.stats.ms)} s = ${(r.stats.cells / (r.stats.ms / 1000)).toFixed(1)} cells/s, ` +
              `${r.stats.execCalls} exec calls; ${histogram(r.results.values())}`,
          );
        }
        execCalls += r.stats.execCalls;
        return r.results;
      },
    });
    const changed = [...plan.cells.values()].filter((c) => simulatedExpectation(c) === 'denied').map((c) => stable.timeToEnforceMs.get(c.key));
    const tte = changed.filter((x): x is number => x !== undefined);
    log(
      `time-to-enforce: policy bench-deny denies ${expectDeny} of ${plan.cells.size} cells; stable after ${stable.rounds} round(s) in ${secs(stable.elapsedMs)} s, ` +
        `${execCalls} exec calls; denied cells p50 ${percentile(tte, 50) ?? '-'} ms, p95 ${percentile(tte, 95) ?? '-'} ms, max ${percentile(tte, 100) ?? '-'} ms ` +
        `(resolution: one probe round); still wrong at the cap: ${stable.unstable.length}; ${histogram(stable.results.values())}`,
    );
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
