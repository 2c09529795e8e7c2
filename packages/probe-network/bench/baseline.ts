/**
 * The bench's baselines: real cyclonus (its KubeJobRunner, built from its Go module in bench/cyclonus),
 * else a one-exec-per-probe emulation labelled as such.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { loadKube } from '@isoproof/kube';
import type { CellResult, CellResultKind } from '../src/classify';
import { executeCells } from '../src/execute';
import type { PlanCell } from '../src/plan';

export const CYCLONUS_VERSION = 'v0.5.6';

export interface Baseline {
  kind: 'cyclonus' | 'emulation';
  label: string;
  run(cells: PlanCell[], timeoutMs: number): Promise<{ results: Map<string, CellResult>; ms: number; execCalls: number }>;
}

/** Builds bench/cyclonus (cyclonus v0.5.6's probe runner) once into ~/.cache/isoproof/tools; undefined when it does not build. */
export function buildCyclonus(log: (line: string) => void): string | undefined {
  const dir = join(import.meta.dirname, 'cyclonus');
  const hash = createHash('sha256')
    .update(['main.go', 'go.mod', 'go.sum'].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const out = join(process.env.ISOPROOF_TOOLS_DIR ?? join(homedir(), '.cache', 'isoproof', 'tools'), `cyclonus-baseline-${hash}`);
  const bin = join(out, 'cyclonus-baseline');
  if (existsSync(bin)) return bin;
  mkdirSync(out, { recursive: true });
  log(`building the cyclonus ${CYCLONUS_VERSION} baseline from its Go module into ${out}`);
  const r = spawnSync('go', ['build', '-trimpath', '-o', bin, '.'], {
    cwd: dir,
    env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  if (r.status !== 0 || !existsSync(bin)) {
    log(`cyclonus baseline does not build (${(r.stderr ?? r.error?.message ?? '').trim().split('\n').slice(-1)[0] ?? 'go failed'})`);
    return undefined;
  }
  return bin;
}

export function cyclonusBaseline(bin: string, kubeconfig: string, context: string | undefined, workers: number): Baseline {
  return {
    kind: 'cyclonus',
    label: `cyclonus ${CYCLONUS_VERSION} KubeJobRunner (one exec of /agnhost connect per cell, ${workers} workers)`,
    run: (cells, timeoutMs) =>
      new Promise((resolveRun, reject) => {
        const started = Date.now();
        const plan = {
          // cyclonus takes whole seconds: the deny timeout rounded up, never down
          timeoutSeconds: Math.ceil(timeoutMs / 1000),
          workers,
          jobs: cells.map((c) => {
            const r = c.runner as Extract<PlanCell['runner'], { kind: 'pod' }>;
            return { key: c.key, namespace: r.namespace, pod: r.pod, container: r.container ?? 'porter', host: c.host, port: c.port };
          }),
        };
        const child = execFile(bin, context ? ['-context', context] : [], { env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 64 << 20, timeout: 3_600_000 }, (err, stdout, stderr) => {
          if (err) return reject(new Error(`cyclonus baseline failed: ${err.message} ${stderr.split('\n').slice(-3).join(' ')}`));
          const results = new Map<string, CellResult>();
          for (const line of stdout.split('\n')) {
            if (!line.trim()) continue;
            const v = JSON.parse(line) as { key?: string; connectivity?: string };
            if (typeof v.key !== 'string') continue; // the stats line
            // cyclonus's own verdicts: allowed = the exec exited 0; blocked = agnhost connect failed
            // (timeout or refused alike); checkfailed = the exec itself failed
            const result: CellResultKind = v.connectivity === 'allowed' ? 'connected' : v.connectivity === 'blocked' ? 'timeout' : 'infra-error';
            results.set(v.key, { key: v.key, result, latencyMs: 0, detail: `cyclonus: ${v.connectivity ?? '?'}` });
          }
          resolveRun({ results, ms: Date.now() - started, execCalls: cells.length });
        });
        child.stdin?.end(JSON.stringify(plan));
      }),
  };
}

export function emulationBaseline(kube: ReturnType<typeof loadKube>, parallel: number): Baseline {
  return {
    kind: 'emulation',
    label: `EMULATION of a cyclonus-style baseline (not cyclonus): one exec of /agnhost connect per cell, ${parallel} in flight`,
    run: async (cells, timeoutMs) => {
      const r = await executeCells(cells, { kube, mode: 'perProbeExec', timeoutMs, parallel });
      return { results: r.results, ms: r.stats.ms, execCalls: r.stats.execCalls };
    },
  };
}
