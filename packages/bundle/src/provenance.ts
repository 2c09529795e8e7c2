import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Waiver } from '@isoproof/core';
import { defaultRedactor, waiverState } from '@isoproof/core';
import type { Report } from '@isoproof/report';
import { DEFAULT_TOOL } from '@isoproof/report';
import type { Invocation } from './invocation';
import { commandLine } from './invocation';

const run = promisify(execFile);

/** Version of provenance.json's shape. */
export const PROVENANCE_VERSION = '1.0' as const;

export interface WaiverInForce extends Waiver {
  state: 'active' | 'expired';
  /** Criteria outcomes of the report this waiver decided (scenario[/overlay] id). */
  applied: string[];
}

export interface Provenance {
  provenanceVersion: typeof PROVENANCE_VERSION;
  createdAt: string;
  run: { id: string; startedAt: string; finishedAt: string; verdict: Report['verdict']; exitCode: number };
  source: { commit?: string; dirty?: boolean; ref?: string; ciRun?: string };
  versions: {
    /** isoproof that ran the scenarios (from the report). */
    isoproof: string;
    /** isoproof that wrote the bundle. */
    bundler: string;
    kubernetes: string;
    node: string;
  };
  provider: { name: string; version?: string; components?: Record<string, string> };
  /** Versions of the tools on the machine that wrote the bundle (absent ones are left out). */
  tools: Record<string, string>;
  /** The run's exact command line, when `isoproof run` recorded it (invocation.json). */
  command?: string;
  /** The command line that wrote the bundle. */
  bundleCommand: string;
  waivers: { file?: string; list: WaiverInForce[] };
  /** Files of the artifacts directory left out of the bundle, with the reason. */
  leftOut: Array<{ path: string; reason: string }>;
}

/** The repository root (packages/bundle/src/ -> three levels up). */
export function repoRoot(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
}

async function tryRun(cmd: string, args: string[], cwd?: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(cmd, args, { timeout: 5_000, cwd, env: { ...process.env, LC_ALL: 'C' } });
    const out = stdout.trim();
    return out ? out.split('\n')[0]?.trim() : undefined;
  } catch {
    return undefined;
  }
}

async function source(env: NodeJS.ProcessEnv, root: string): Promise<Provenance['source']> {
  const out: Provenance['source'] = {};
  const commit = env.GITHUB_SHA || (await tryRun('git', ['rev-parse', 'HEAD'], root));
  if (commit) out.commit = commit;
  if (!env.GITHUB_SHA && commit) {
    const status = await tryRun('git', ['status', '--porcelain', '--untracked-files=no'], root);
    out.dirty = Boolean(status);
  }
  const ref = env.GITHUB_REF || (await tryRun('git', ['rev-parse', '--abbrev-ref', 'HEAD'], root));
  if (ref) out.ref = ref;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    out.ciRun = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return out;
}

/** KEY=VALUE lines of a versions.env file. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2].trim().replace(/^["']|["']$/g, '');
  }
  return out;
}

async function provider(name: string, root: string): Promise<Provenance['provider']> {
  if (name === 'kind') {
    const v = await tryRun('kind', ['version']);
    return { name, ...(v ? { version: v } : {}) };
  }
  if (name === 'local') {
    const file = join(root, 'clusters', 'local', 'versions.env');
    if (existsSync(file)) return { name, version: 'isoproof local cluster', components: parseEnvFile(await readFile(file, 'utf8')) };
  }
  return { name };
}

async function tools(): Promise<Record<string, string>> {
  const probes: Array<[string, string, string[]]> = [
    ['git', 'git', ['--version']],
    ['kind', 'kind', ['version']],
    ['kubectl', 'kubectl', ['version', '--client']],
    ['docker', 'docker', ['version', '--format', '{{.Client.Version}}']],
    ['tar', 'tar', ['--version']],
  ];
  const out: Record<string, string> = { node: process.version };
  const found = await Promise.all(probes.map(async ([k, cmd, args]) => [k, await tryRun(cmd, args)] as const));
  for (const [k, v] of found) if (v) out[k] = v;
  return out;
}

/** Waivers in force: the waivers file's list with its state now, and where each decided an outcome. */
function waiversInForce(report: Report, fileWaivers: Waiver[] | undefined): WaiverInForce[] {
  const applied = new Map<string, string[]>();
  const fromReport = new Map<string, Waiver & { state: 'active' | 'expired' }>();
  for (const sc of report.scenarios) {
    for (const o of sc.outcomes) {
      if (!o.waiver) continue;
      const k = `${o.waiver.criterion}\u0000${o.waiver.selector}`;
      fromReport.set(k, o.waiver);
      const list = applied.get(k) ?? [];
      list.push(`${sc.overlay ? `${sc.scenario}/${sc.overlay}` : sc.scenario} ${o.criterion.id}`);
      applied.set(k, list);
    }
  }
  const list: WaiverInForce[] = [];
  const seen = new Set<string>();
  for (const w of fileWaivers ?? []) {
    const k = `${w.criterion}\u0000${w.selector}`;
    seen.add(k);
    list.push({ ...w, state: fromReport.get(k)?.state ?? waiverState(w), applied: applied.get(k) ?? [] });
  }
  for (const [k, w] of fromReport) {
    if (seen.has(k)) continue;
    const { state, ...rest } = w;
    list.push({ ...rest, state, applied: applied.get(k) ?? [] });
  }
  return list;
}

export interface ProvenanceInput {
  report: Report;
  invocation?: Invocation;
  /** Waivers of the run's waivers file, when it is still readable. */
  fileWaivers?: Waiver[];
  bundleArgv: string[];
  leftOut: Provenance['leftOut'];
  env?: NodeJS.ProcessEnv;
  /** Default: the repository this isoproof runs from. */
  root?: string;
  now?: Date;
}

/** Gathers the provenance of a bundle. Every string passes through the redactor. */
export async function collectProvenance(input: ProvenanceInput): Promise<Provenance> {
  const env = input.env ?? process.env;
  const root = input.root ?? repoRoot();
  const r = input.report;
  const [src, prov, tl] = await Promise.all([source(env, root), provider(r.provider, root), tools()]);
  const p: Provenance = {
    provenanceVersion: PROVENANCE_VERSION,
    createdAt: (input.now ?? new Date()).toISOString(),
    run: { id: r.run.id, startedAt: r.run.startedAt, finishedAt: r.finishedAt, verdict: r.verdict, exitCode: r.exitCode },
    source: src,
    versions: { isoproof: r.tool.version, bundler: DEFAULT_TOOL.version, kubernetes: r.cluster.serverVersion, node: process.version },
    provider: prov,
    tools: tl,
    ...(input.invocation ? { command: commandLine(input.invocation.argv) } : {}),
    bundleCommand: commandLine(input.bundleArgv),
    waivers: {
      ...(input.invocation?.waiversFile ? { file: input.invocation.waiversFile } : {}),
      list: waiversInForce(r, input.fileWaivers),
    },
    leftOut: input.leftOut,
  };
  return defaultRedactor.scrub(p);
}
