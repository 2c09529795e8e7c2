import type { ScenarioDefinition } from '@isoproof/core';
import { IsoproofError } from '@isoproof/core';
import type { Settings } from '@isoproof/run';

/** The flags of `isoproof run` that feed the user's settings. */
export interface RunSettingsFlags {
  config?: string;
  fact?: string[];
  waivers?: string;
  scenarioDirs?: string[];
}

/** The run's settings as @isoproof/run resolves them (flags > config file > provider facts). */
export async function runSettings(flags: RunSettingsFlags): Promise<Settings> {
  const run = await import('@isoproof/run');
  const settings = await run.resolveSettings({
    ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    factFlags: flags.fact ?? [],
    ...(flags.waivers !== undefined ? { waiversFile: flags.waivers } : {}),
    ...(flags.scenarioDirs ? { scenarioDirs: flags.scenarioDirs } : {}),
  });
  return settings;
}

/**
 * The config's per-criterion parameters must name criteria of known scenarios (a typo is an error,
 * not a silent no-op) and suit their probe family.
 */
export async function checkRunSettings(settings: Settings, known: ScenarioDefinition[]): Promise<void> {
  // TLS endpoints name the scenarios that probe them: a typo would silently probe nothing.
  const endpoints = settings.config?.facts.tlsEndpoints ? (JSON.parse(settings.config.facts.tlsEndpoints) as Array<{ host: string; scenarios: string[] }>) : [];
  endpoints.forEach((e, i) => {
    for (const s of e.scenarios) {
      if (!known.some((k) => k.name === s)) {
        throw new IsoproofError(
          'ISOPROOF_INVALID_CONFIG',
          `${settings.config?.where(['tls', 'endpoints', i, 'scenarios']) ?? 'config'}: tls.endpoints[${i}].scenarios: no scenario '${s}' (known: ${known.map((k) => k.name).join(', ')})`,
        );
      }
    }
  });
  if (Object.keys(settings.criteria.values).length === 0) return;
  const run = await import('@isoproof/run');
  const ids: string[] = [];
  // Loading with the parameters also has each probe family check the merged specs.
  for (const s of known) ids.push(...(await run.loadScenarioCriteria(s, settings.criteria)).map((c) => c.id));
  run.checkCriterionIds(settings.criteria, ids);
}

/** The bundled scenarios plus those of the settings' scenario directories (config scenarioDirs, --scenario-dir). */
export async function knownScenarios(settings: Settings): Promise<ScenarioDefinition[]> {
  const run = await import('@isoproof/run');
  return run.withScenarioDirs(await run.loadScenarios(), settings.scenarioDirs);
}
