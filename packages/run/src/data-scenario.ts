import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Criterion, ProbeFamily, ProbeKind, ScenarioDefinition } from '@isoproof/core';
import type { KubeObject } from '@isoproof/kube';
import { readManifests } from '@isoproof/kube';
import { IsoproofError, PROBE_KINDS } from '@isoproof/core';
import { admissionFamily, workloadFamily } from '@isoproof/probe-admission';
import { createNetworkFamily } from '@isoproof/probe-network';
import { auditFamily, rbacFamily } from '@isoproof/probe-rbac';
import { createSecretsFamily } from '@isoproof/probe-secrets';
import { createTlsProbe } from '@isoproof/probe-tls';
import { parse as parseYaml } from 'yaml';

/** A scenario directory's name: what `--scenario NAME` and reports use (a DNS label). */
export const SCENARIO_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A fresh probe family for one probe kind (each data scenario gets its own instances: they keep per-run sections). */
export function familyForKind(kind: ProbeKind): ProbeFamily {
  switch (kind) {
    case 'network':
      return createNetworkFamily();
    case 'rbac':
      return rbacFamily();
    case 'audit':
      return auditFamily();
    case 'admission':
      return admissionFamily();
    case 'workload':
      return workloadFamily();
    case 'tls':
      return createTlsProbe();
    case 'secrets':
      return createSecretsFamily();
  }
}

/** criteria.yaml as plain data; undefined when it does not parse (loadCriteria reports the YAML error with its position). */
function readCriteriaFile(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The probe kinds a criteria.yaml uses, in file order (unknown kinds are left to the schema check). */
function probeKinds(data: unknown): ProbeKind[] {
  const list = (data as { criteria?: unknown } | null)?.criteria;
  if (!Array.isArray(list)) return [];
  const kinds = new Set<ProbeKind>();
  for (const c of list) {
    const p = (c as { probe?: unknown } | null)?.probe;
    if (typeof p === 'string' && (PROBE_KINDS as readonly string[]).includes(p)) kinds.add(p as ProbeKind);
  }
  return [...kinds];
}

/** First prose line of the scenario's README (not a heading), else a default. */
function describe(dir: string): string {
  for (const f of ['README.md', 'readme.md']) {
    const file = join(dir, f);
    if (!existsSync(file)) continue;
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('#') && !l.startsWith('<!--'));
    if (line) return line.length > 200 ? `${line.slice(0, 197)}...` : line;
  }
  return `scenario from ${dir}`;
}

/**
 * A scenario kept as data in any directory: `criteria.yaml`, `manifests/` (optional: nothing to
 * apply), `overlays/<name>/` (optional), README.md (optional). Its description is criteria.yaml's
 * top-level `description`, else the README's first prose line. No code:
 * the probe families come from the probe kinds its criteria use. The name is the directory's name.
 */
export function loadScenarioDir(dir: string): ScenarioDefinition {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `${abs}: scenario directory not found; fix --scenario-dir`);
  }
  const criteria = join(abs, 'criteria.yaml');
  if (!existsSync(criteria)) {
    throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `${abs}: no criteria.yaml; a scenario directory holds criteria.yaml, manifests/ and overlays/`);
  }
  const name = basename(abs);
  if (!SCENARIO_NAME_PATTERN.test(name)) {
    throw new IsoproofError(
      'ISOPROOF_INVALID_SCENARIO',
      `${abs}: the directory name '${name}' is the scenario's name and must be lower-case letters, digits and '-' (at most 63); rename the directory`,
    );
  }
  const data = readCriteriaFile(criteria);
  const own = (data as { description?: unknown } | null)?.description;
  const description = typeof own === 'string' && own.trim() ? own.trim() : describe(abs);
  return { name, description, dir: abs, families: probeKinds(data).map(familyForKind) };
}

/**
 * The scenario directories under `dir`: `dir` itself when it holds a criteria.yaml, else each
 * subdirectory that does (sorted). A directory with neither is an error.
 */
export function findScenarioDirs(dir: string): string[] {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `${abs}: scenario directory not found; fix --scenario-dir`);
  }
  if (existsSync(join(abs, 'criteria.yaml'))) return [abs];
  const subs = readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(abs, d.name, 'criteria.yaml')))
    .map((d) => join(abs, d.name))
    .sort();
  if (subs.length === 0) {
    throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `${abs}: no criteria.yaml in it nor in any of its subdirectories; point --scenario-dir at a scenario directory`);
  }
  return subs;
}

/**
 * The bundled scenarios plus the data scenarios of `dirs` (each a scenario directory or a directory
 * of them). Two scenarios with the same name are an error naming both directories.
 */
export function withScenarioDirs(bundled: ScenarioDefinition[], dirs: string[]): ScenarioDefinition[] {
  const out = [...bundled];
  for (const d of dirs) {
    for (const sd of findScenarioDirs(d)) {
      const s = loadScenarioDir(sd);
      const clash = out.find((x) => x.name === s.name);
      if (clash) {
        if (resolve(clash.dir) === s.dir) continue;
        throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `two scenarios are named '${s.name}': ${clash.dir} and ${s.dir}; rename one directory`);
      }
      out.push(s);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A scenario's baseline objects: every manifest of `manifests/`; none when the directory is absent. */
export async function readScenarioManifests(dir: string): Promise<KubeObject[]> {
  const m = join(dir, 'manifests');
  return existsSync(m) ? readManifests(m) : [];
}

/**
 * Probe kinds a scenario that applies nothing (observe-only: no manifests) may use: those that only
 * look from outside (TLS handshakes). The others exec into pods, act in namespaces or write objects
 * (RoleBindings of the audit probe), which isoproof does only in what it created.
 */
export const OBSERVE_ONLY_KINDS: readonly ProbeKind[] = ['tls'];

/** Throws when a scenario without objects has criteria that would act on what isoproof did not create. */
export function assertObserveOnly(def: Pick<ScenarioDefinition, 'name' | 'dir'>, criteria: Criterion[], objects: KubeObject[]): void {
  if (objects.length > 0) return;
  const bad = criteria.filter((c) => !OBSERVE_ONLY_KINDS.includes(c.probe));
  if (bad.length === 0) return;
  throw new IsoproofError(
    'ISOPROOF_INVALID_SCENARIO',
    `${join(def.dir, 'criteria.yaml')}: scenario ${def.name} applies no objects, so only ${OBSERVE_ONLY_KINDS.join(', ')} criteria can run (they only look from outside); ${bad
      .slice(0, 3)
      .map((c) => `${c.id} (${c.probe})`)
      .join(', ')} would act on objects isoproof did not create: add manifests for them`,
  );
}
