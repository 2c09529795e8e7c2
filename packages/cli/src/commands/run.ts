import { dirname } from 'node:path';
import { IsoproofError } from '@isoproof/core';
import { UsageError, formatError } from '../errors';
import { type KindFlags, type ProviderName, type Values, bool, kindFlags, kubeconfigFlag, list, providerFlag, str } from '../flags';
import type { Io } from '../io';
import { checkRunSettings, knownScenarios, runSettings } from '../run-settings';
import { afterRun } from './bundle';

/** Fails fast (one line) when a named cluster cannot be reached. */
async function preflight(kubeconfig: string, context: string | undefined): Promise<void> {
  const { loadKube, checkReachable } = await import('@isoproof/kube');
  await checkReachable(loadKube(kubeconfig, context), 8_000);
}

/** `isoproof run`: checks every input, then runs the scenarios with a console reporter; the run's exit code. */
export async function cmdRun(v: Values, io: Io, debug: boolean, argv: string[] = []): Promise<number> {
  const names = list(v, 'scenario');
  if (!bool(v, 'all') && names.length === 0) throw new UsageError('name the scenarios to run: --scenario NAME (repeatable) or --all');
  if (bool(v, 'all') && names.length > 0) throw new UsageError('--all and --scenario exclude each other; use one');
  if (str(v, 'overlay') && bool(v, 'with-overlays')) throw new UsageError('--overlay and --with-overlays exclude each other; use one');
  const provider = providerFlag(v);
  const kubeconfig = kubeconfigFlag(v, provider);
  const kind = kindFlags(v, provider, kubeconfig);
  const context = str(v, 'context');
  // Every input is checked before the first cluster call: bad input is one line and exit 2.
  // Facts, waivers, criteria parameters, timeouts: flags > config file (isoproof.yaml or --config).
  const settings = await runSettings({ config: str(v, 'config'), fact: list(v, 'fact'), waivers: str(v, 'waivers'), scenarioDirs: list(v, 'scenario-dir') });
  const waiversFile = settings.waiversFile;
  const run = await import('@isoproof/run');
  const all = await knownScenarios(settings);
  if (all.length === 0) throw new IsoproofError('ISOPROOF_NO_SCENARIO', `no scenarios found under ${run.repoRoot()}/scenarios`);
  await checkRunSettings(settings, all);
  const namespacePrefix = str(v, 'namespace-prefix');
  if (namespacePrefix !== undefined) run.checkNamespacePrefix(namespacePrefix);
  const scenarios = bool(v, 'all') ? all : run.selectScenarios(all, names);
  // Criteria, manifests and overlays of the selection (the run plans again; it takes milliseconds).
  await run.planRun({ scenarios, overlay: str(v, 'overlay'), overlays: bool(v, 'with-overlays'), criteriaParams: settings.criteria });
  if (waiversFile) {
    const { loadWaivers } = await import('@isoproof/core');
    const known: string[] = [];
    for (const s of all) known.push(...(await run.loadScenarioCriteria(s)).map((c) => c.id));
    run.checkWaiverCriteria(await loadWaivers(waiversFile), known, waiversFile);
  }
  const artifactsDir = await run.checkArtifactsDir(str(v, 'artifacts') ?? 'artifacts');
  if (kubeconfig) (await import('@isoproof/kube')).loadKube(kubeconfig, context);

  // From here on a signal stops the run cleanly (cleanup, partial report, exit 130/143).
  const shutdown = new run.Shutdown({ log: (l) => io.err(l) }).install();
  try {
    if (kubeconfig) await preflight(kubeconfig, context);
    return await runWithReporter(run, v, io, debug, { provider, kubeconfig, context, scenarios, waiversFile, artifactsDir, shutdown, settings, argv, kind });
  } catch (err) {
    const code = shutdown.exitCode();
    if (code === undefined) throw err;
    io.err(formatError(err, debug));
    return code;
  } finally {
    shutdown.uninstall();
  }
}

async function runWithReporter(
  run: typeof import('@isoproof/run'),
  v: Values,
  io: Io,
  debug: boolean,
  a: {
    provider: ProviderName | undefined;
    kubeconfig: string | undefined;
    context: string | undefined;
    scenarios: Awaited<ReturnType<typeof run.loadScenarios>>;
    waiversFile: string | undefined;
    artifactsDir: string;
    shutdown: InstanceType<typeof run.Shutdown>;
    settings: Awaited<ReturnType<typeof runSettings>>;
    argv: string[];
    kind: KindFlags;
  },
): Promise<number> {
  const { provider, kubeconfig, context, scenarios, waiversFile, artifactsDir, shutdown, settings, argv, kind } = a;
  const { createConsoleReporter } = await import('@isoproof/report');
  const reporter = createConsoleReporter({ stream: process.stderr });
  // Progress lines are held back for the first seconds: a run that fails fast (kind missing, bad
  // cluster) then prints only its one error line. A slow start (cluster creation) shows them.
  let held: string[] | undefined = [];
  const release = () => {
    const lines = held ?? [];
    held = undefined;
    for (const l of lines) reporter.log(l);
  };
  const holdTimer = setTimeout(release, 3_000);
  holdTimer.unref();
  let res: Awaited<ReturnType<typeof run.runAll>>;
  try {
    res = await run.runAll({
      provider: { name: provider, kubeconfig, context, clusterName: str(v, 'cluster-name'), ...(kind ? { kind } : {}) },
      scenarios,
      overlay: str(v, 'overlay'),
      overlays: bool(v, 'with-overlays'),
      artifactsDir,
      keepCluster: bool(v, 'keep-cluster'),
      exportLogs: str(v, 'bundle') !== undefined,
      waiversFile,
      facts: settings.facts,
      factSources: settings.factSources,
      criteriaParams: settings.criteria,
      ...(str(v, 'namespace-prefix') !== undefined ? { namespacePrefix: str(v, 'namespace-prefix') } : {}),
      timeouts: settings.timeouts,
      log: (l) => (held ? held.push(l) : reporter.log(l)),
      reporter: {
        ...reporter,
        runStarted: (info) => {
          release();
          reporter.runStarted(info);
        },
      },
      shutdown,
    });
  } catch (err) {
    if (debug && held) for (const l of held) io.err(l);
    held = undefined;
    throw err;
  } finally {
    clearTimeout(holdTimer);
  }
  if (res.interrupted) {
    io.out(`partial report (interrupted by ${res.interrupted}): ${res.artifacts.json}`);
    const code = run.SIGNAL_EXIT[res.interrupted];
    io.out(`exit ${code} (interrupted by ${res.interrupted})`);
    return code;
  }
  await afterRun(v, dirname(res.artifacts.json), io, ['isoproof', ...argv], waiversFile);
  for (const p of res.proofs.filter((x) => !x.ok)) io.err(`overlay ${p.scenario}/${p.overlay} did not flip as declared: ${p.problems.join('; ')}`);
  io.out(`report: ${res.artifacts.json} (also ${res.artifacts.html}, ${res.artifacts.markdown}, ${res.artifacts.junit}, ${res.artifacts.sarif})`);
  io.out(`exit ${res.exitCode} (${res.exitCode === 0 ? 'all PASS' : res.exitCode === 1 ? 'FAIL found' : 'INCONCLUSIVE or error'})`);
  return res.exitCode;
}
