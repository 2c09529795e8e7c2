import { existsSync, readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScenarioDefinition } from '@isoproof/core';
import { IsoproofError } from '@isoproof/core';
import { loadScenarioDir } from './data-scenario';

/** The repository root: the nearest ancestor of this package holding `scenarios/`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'scenarios')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

function isScenarioDefinition(x: unknown): x is ScenarioDefinition {
  if (!x || typeof x !== 'object') return false;
  const s = x as Record<string, unknown>;
  return typeof s.name === 'string' && typeof s.dir === 'string' && Array.isArray(s.families);
}

/** The scenario directories under `<root>/scenarios`: code (src/index.ts) or data (criteria.yaml); no import. */
export function scenarioDirs(root = repoRoot()): string[] {
  const base = join(root, 'scenarios');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && (existsSync(join(base, d.name, 'src', 'index.ts')) || existsSync(join(base, d.name, 'criteria.yaml'))))
    .map((d) => join(base, d.name))
    .sort();
}

/**
 * The bundled scenarios, sorted by name: a `scenarios/<name>/` with criteria.yaml and no code is loaded
 * as data (loadScenarioDir: most are); one with `src/index.ts` (a scenario that needs set-up code, e.g.
 * tls-endpoints issuing test certificates) is imported and its `scenario` export used.
 * A package without a valid `scenario` export is an error naming the file.
 */
export async function loadScenarios(root = repoRoot()): Promise<ScenarioDefinition[]> {
  const base = join(root, 'scenarios');
  if (!existsSync(base)) return [];
  const entries = await readdir(base, { withFileTypes: true });
  const out: ScenarioDefinition[] = [];
  for (const e of entries.filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(base, e.name, 'src', 'index.ts');
    if (!existsSync(file)) {
      // A scenario kept as data (criteria.yaml, manifests/, overlays/; no code) is as good as a package.
      if (existsSync(join(base, e.name, 'criteria.yaml'))) out.push(loadScenarioDir(join(base, e.name)));
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      throw new IsoproofError(
        'ISOPROOF_INVALID_SCENARIO',
        `${file}: cannot be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        { cause: err },
      );
    }
    const scenario = mod.scenario;
    if (!isScenarioDefinition(scenario)) {
      throw new IsoproofError(
        'ISOPROOF_INVALID_SCENARIO',
        `${file}: must export 'scenario' (a ScenarioDefinition with name, dir, families)`,
      );
    }
    out.push(scenario);
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.name)) throw new IsoproofError('ISOPROOF_INVALID_SCENARIO', `two scenarios are named '${s.name}'; rename one`);
    seen.add(s.name);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Picks scenarios by name; an unknown name is an error listing the known ones. */
export function selectScenarios(all: ScenarioDefinition[], names: string[]): ScenarioDefinition[] {
  if (names.length === 0) return all;
  return [...new Set(names)].map((n) => {
    const s = all.find((x) => x.name === n);
    if (!s) {
      throw new IsoproofError(
        'ISOPROOF_UNKNOWN_SCENARIO',
        `unknown scenario '${n}' (known: ${all.map((x) => x.name).join(', ') || 'none'}); see 'isoproof list'`,
      );
    }
    return s;
  });
}

/** Overlay names of a scenario directory, read synchronously (test registration needs them up front). */
export function overlayNames(scenarioDir: string): string[] {
  const base = join(scenarioDir, 'overlays');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'overlay.yaml')))
    .map((d) => d.name)
    .sort();
}
