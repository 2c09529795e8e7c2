import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Criterion, ProbeFamily } from '@isoproof/core';
import { codedError, IsoproofError } from '@isoproof/core';
import { CONFIG_FILE_NAME, type ConfigFile, FACT_NAME_PATTERN, loadConfigFile } from './config-file';
import { familyKinds } from './families';
import type { Timeouts } from './timeout';

/**
 * What the user says about a run, from the command line, a config file (isoproof.yaml) and the
 * environment of the e2e helper, resolved in ONE place: flags > config file > provider facts.
 */
export interface SettingsInput {
  /** Working directory: where isoproof.yaml and waivers.yaml are looked up (default process.cwd()). */
  cwd?: string;
  /** --config FILE; without it, <cwd>/isoproof.yaml when present. */
  configFile?: string;
  /** Skip the implicit <cwd>/isoproof.yaml (the e2e helper reads only ISOPROOF_CONFIG). */
  noImplicitConfig?: boolean;
  /** --fact key=value (repeatable). */
  factFlags?: string[];
  /** Facts given as an object (the e2e helper's ISOPROOF_FACTS); same rank as --fact. */
  facts?: Record<string, string>;
  /** --waivers FILE. */
  waiversFile?: string;
  /** --scenario-dir DIR (repeatable); added to the config file's scenarioDirs. */
  scenarioDirs?: string[];
}

/** Where a user fact came from. */
export type FactSource = 'flag' | 'config';

export interface Settings {
  /** The config file read, if any. */
  config?: ConfigFile;
  /** The user's facts (flags over config); provider facts are merged under them by mergeFacts. */
  facts: Record<string, string>;
  factSources: Record<string, FactSource>;
  /** --waivers, else the config's waivers, else <cwd>/waivers.yaml when present. */
  waiversFile?: string;
  /** Extra scenario directories (config file, then --scenario-dir). */
  scenarioDirs: string[];
  /** Per-criterion parameters, merged over each criterion's spec. */
  criteria: CriterionParams;
  timeouts: Partial<Timeouts>;
}

/** Parameters by criterion id, and where each was given (for messages). */
export interface CriterionParams {
  values: Record<string, Record<string, unknown>>;
  where(id: string): string;
}

export const NO_CRITERION_PARAMS: CriterionParams = { values: {}, where: () => '' };

/** A fact flag or fact object that cannot be used (exit 2). */
export class FactError extends codedError('ISOPROOF_INVALID_FACT') {}

const FACT_NAME = new RegExp(FACT_NAME_PATTERN);

/** `--fact key=value` flags to facts (a later flag for the same key wins). */
export function parseFactFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const i = f.indexOf('=');
    const key = i < 0 ? f : f.slice(0, i);
    if (i < 0 || !FACT_NAME.test(key)) {
      throw new FactError(`--fact ${f}: must be key=value with a key of letters, digits, _ . - (e.g. --fact ingressAddress=127.0.0.1:18443)`);
    }
    out[key] = f.slice(i + 1);
  }
  return out;
}

/** ISOPROOF_FACTS (JSON object of strings) to facts; `source` names it in errors. */
export function parseFactsJson(text: string, source: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FactError(`${source}: not valid JSON (${(e as Error).message.split('\n')[0]}); give an object like {"ingressAddress":"127.0.0.1:18443"}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FactError(`${source}: must be a JSON object of fact names to strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!FACT_NAME.test(k)) throw new FactError(`${source}: "${k}" is not a fact name (letters, digits, _ . -)`);
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new FactError(`${source}: ${k}: must be a string`);
    out[k] = String(x);
  }
  return out;
}

/** Resolves the user's settings (flags > config file); reads the config file when there is one. */
export async function resolveSettings(i: SettingsInput = {}): Promise<Settings> {
  const cwd = resolve(i.cwd ?? process.cwd());
  let configPath = i.configFile !== undefined ? resolve(cwd, i.configFile) : undefined;
  if (configPath === undefined && !i.noImplicitConfig && existsSync(join(cwd, CONFIG_FILE_NAME))) configPath = join(cwd, CONFIG_FILE_NAME);
  const config = configPath ? await loadConfigFile(configPath) : undefined;

  const facts: Record<string, string> = {};
  const factSources: Record<string, FactSource> = {};
  for (const [k, v] of Object.entries(config?.facts ?? {})) {
    facts[k] = v;
    factSources[k] = 'config';
  }
  for (const [k, v] of Object.entries({ ...(i.facts ?? {}), ...parseFactFlags(i.factFlags ?? []) })) {
    facts[k] = v;
    factSources[k] = 'flag';
  }

  let waiversFile: string | undefined;
  if (i.waiversFile !== undefined) {
    waiversFile = resolve(cwd, i.waiversFile);
    if (!existsSync(waiversFile)) throw new IsoproofError('ISOPROOF_INVALID_WAIVER', `waivers file not found: ${waiversFile}; fix --waivers`);
  } else if (config?.waiversFile) {
    waiversFile = config.waiversFile;
    if (!existsSync(waiversFile)) {
      throw new IsoproofError('ISOPROOF_INVALID_WAIVER', `${config.where(['waivers'])}: waivers file not found: ${waiversFile}; fix waivers`);
    }
  } else if (existsSync(join(cwd, 'waivers.yaml'))) {
    waiversFile = join(cwd, 'waivers.yaml');
  }

  const scenarioDirs = [...(config?.scenarioDirs ?? []), ...(i.scenarioDirs ?? []).map((d) => resolve(cwd, d))];
  const settings: Settings = {
    facts,
    factSources,
    scenarioDirs: [...new Set(scenarioDirs)],
    criteria: config ? { values: config.criteria, where: (id) => config.where(['criteria', id]) } : NO_CRITERION_PARAMS,
    timeouts: config?.timeouts ?? {},
  };
  if (config) settings.config = config;
  if (waiversFile) settings.waiversFile = waiversFile;
  return settings;
}

/** The facts probes see: the provider's, overridden by the user's (flags and config file). */
export function mergeFacts(provider: Record<string, string>, user: Record<string, string>): Record<string, string> {
  return { ...provider, ...user };
}

/** One line for the log: fact names by origin, never their values (a fact may be a PEM or a path). */
export function describeFacts(provider: Record<string, string>, settings: Pick<Settings, 'facts' | 'factSources'>): string {
  const from = (s: FactSource) => Object.keys(settings.facts).filter((k) => settings.factSources[k] === s);
  const flags = from('flag');
  const config = from('config');
  const prov = Object.keys(provider).filter((k) => !(k in settings.facts));
  const part = (what: string, keys: string[]) => (keys.length ? `${what}: ${keys.sort().join(', ')}` : '');
  return `facts: ${[part('flags', flags), part('config', config), part('provider', prov)].filter(Boolean).join('; ') || 'none'}`;
}

/**
 * The criteria with the user's parameters merged over their spec, each merged spec validated by the
 * criterion's probe family; a problem names the config file and line. Criteria without parameters
 * are returned as they are.
 */
export function withCriterionParams(criteria: Criterion[], params: CriterionParams, families: ProbeFamily[]): Criterion[] {
  return criteria.map((c) => {
    const p = params.values[c.id];
    if (!p) return c;
    const merged: Criterion = { ...c, spec: { ...c.spec, ...p } };
    const family = families.find((f) => familyKinds(f).includes(c.probe));
    const problems = family?.validateSpec?.(merged) ?? [];
    if (problems.length > 0) {
      throw new IsoproofError('ISOPROOF_INVALID_CONFIG', `${params.where(c.id) || 'config'}: criteria.${c.id}: ${problems[0]}`);
    }
    return merged;
  });
}

/** Throws when the config names a criterion no known scenario has (a typo would silently do nothing). */
export function checkCriterionIds(params: CriterionParams, known: Iterable<string>): void {
  const ids = new Set(known);
  for (const id of Object.keys(params.values)) {
    if (!ids.has(id)) throw new IsoproofError('ISOPROOF_INVALID_CONFIG', `${params.where(id) || 'config'}: criteria.${id}: no scenario has this criterion; see 'isoproof list'`);
  }
}
