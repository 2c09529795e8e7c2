import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Report } from '@isoproof/report';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IsoproofError, redactText } from '@isoproof/core';
import { UsageError, formatError } from './errors';
import { checkRunSettings, knownScenarios, runSettings } from './run-settings';
import { cmdValidate } from './validate-command';
import { COMMANDS, type CommandSpec, commandHelp, parseOptions, topHelp } from './spec';
import { afterRun, cmdBundle } from './commands/bundle';
import { cmdDiff } from './commands/diff';
import { cmdVerify } from './commands/verify';

export type ProviderName = 'kind' | 'existing' | 'local';
const PROVIDERS: readonly ProviderName[] = ['kind', 'existing', 'local'];
const FORMATS = ['md', 'junit', 'sarif', 'console'] as const;
type Format = (typeof FORMATS)[number];

type Values = Record<string, string | boolean | string[] | undefined>;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Every line the CLI prints goes through the redactor: a secret value registered by a probe (or
 * shaped like a token) never reaches the terminal or a CI log, whatever path printed it. */
const line = (s: string): string => {
  const r = redactText(s);
  return r.endsWith('\n') ? r : `${r}\n`;
};
const stdio: Io = {
  out: (s) => process.stdout.write(line(s)),
  err: (s) => process.stderr.write(line(s)),
};

function parse(c: CommandSpec, args: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: parseOptions(c), allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw new UsageError(`unknown flag ${unknown[1]} for '${c.name}'; see 'isoproof ${c.name} --help'`);
    const needsValue = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
    if (needsValue) throw new UsageError(`${needsValue[1]} needs a value; see 'isoproof ${c.name} --help'`);
    const noValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(msg);
    if (noValue) throw new UsageError(`${noValue[1]} takes no value; see 'isoproof ${c.name} --help'`);
    throw new UsageError(`${msg.split('\n')[0]}; see 'isoproof ${c.name} --help'`);
  }
}

const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
const bool = (v: Values, k: string): boolean => v[k] === true;
const list = (v: Values, k: string): string[] => (Array.isArray(v[k]) ? (v[k] as string[]) : []);

function providerFlag(v: Values): ProviderName | undefined {
  const p = str(v, 'provider');
  if (p === undefined) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(p)) {
    throw new UsageError(`unknown provider '${p}'; use --provider ${PROVIDERS.join('|')}`);
  }
  return p as ProviderName;
}

function noPositionals(c: CommandSpec, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' for '${c.name}'; see 'isoproof ${c.name} --help'`);
}

/** The kubeconfig the user named, checked to exist; also checks that `existing` has one. */
function kubeconfigFlag(v: Values, provider: ProviderName | undefined): string | undefined {
  const k = str(v, 'kubeconfig');
  if (k === undefined) {
    if (provider === 'existing') throw new UsageError('--provider existing needs --kubeconfig FILE');
    if (str(v, 'context') !== undefined) throw new UsageError('--context needs --kubeconfig FILE');
    return undefined;
  }
  const file = resolve(k);
  if (!existsSync(file)) throw new IsoproofError('ISOPROOF_KUBECONFIG', `kubeconfig file not found: ${file}; fix --kubeconfig`);
  if (provider && provider !== 'existing') throw new UsageError(`--kubeconfig is for --provider existing, not ${provider}`);
  return file;
}

/**
 * --node-image / --kind-config: kind only (an explicit other provider, or --kubeconfig, is a usage
 * error); the config file must exist. The ISOPROOF_KIND_* environment fills what is not given.
 */
function kindFlags(v: Values, provider: ProviderName | undefined, kubeconfig: string | undefined): { nodeImage?: string; config?: string } | undefined {
  const nodeImage = str(v, 'node-image');
  const config = str(v, 'kind-config');
  if (nodeImage === undefined && config === undefined) return undefined;
  const flag = nodeImage !== undefined ? '--node-image' : '--kind-config';
  if ((provider && provider !== 'kind') || kubeconfig) throw new UsageError(`${flag} is for --provider kind, not ${provider ?? 'existing'}`);
  if (nodeImage === '') throw new UsageError('--node-image needs an image name');
  let file: string | undefined;
  if (config !== undefined) {
    file = resolve(config);
    if (!existsSync(file)) throw new UsageError(`kind config not found: ${file}; fix --kind-config`);
  }
  return { ...(nodeImage ? { nodeImage } : {}), ...(file ? { config: file } : {}) };
}

/** Fails fast (one line) when a named cluster cannot be reached. */
async function preflight(kubeconfig: string, context: string | undefined): Promise<void> {
  const { loadKube, checkReachable } = await import('@isoproof/kube');
  await checkReachable(loadKube(kubeconfig, context), 8_000);
}

async function cmdRun(v: Values, io: Io, debug: boolean, argv: string[] = []): Promise<number> {
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
    kind: ReturnType<typeof kindFlags>;
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

async function cmdUp(v: Values, io: Io): Promise<number> {
  const provider = providerFlag(v);
  const kubeconfig = kubeconfigFlag(v, provider);
  const kind = kindFlags(v, provider, kubeconfig);
  const { selectProvider } = await import('@isoproof/cluster');
  const p = await selectProvider({ provider, kubeconfig, context: str(v, 'context'), name: str(v, 'cluster-name'), ...(kind ? { kind } : {}), log: (l: string) => io.err(l) });
  const cluster = await p.up();
  io.err(`cluster ready (provider ${p.name}); kubeconfig:`);
  io.out(cluster.kubeconfigPath);
  return 0;
}

async function cmdDown(v: Values, io: Io): Promise<number> {
  const provider = providerFlag(v);
  if (provider === 'existing') throw new UsageError("'down' deletes clusters isoproof created; for an existing cluster use 'isoproof sweep --kubeconfig FILE'");
  const { selectProvider, LocalProvider, KindProvider, DEFAULT_KIND_CLUSTER } = await import('@isoproof/cluster');
  // env {}: deleting needs no node image or config, and a stale ISOPROOF_KIND_CONFIG must not block it.
  const p = await selectProvider({ provider, name: str(v, 'cluster-name'), env: {}, log: (l: string) => io.err(l) });
  if (p instanceof LocalProvider) {
    if (str(v, 'logs') !== undefined) throw new UsageError('--logs is for --provider kind (the local provider keeps its logs in its state directory, /var/lib/isoproof-local/logs by default)');
    await p.down();
    io.err('local cluster stopped and cleaned');
    return 0;
  }
  const name = str(v, 'cluster-name') ?? DEFAULT_KIND_CLUSTER;
  const logs = str(v, 'logs');
  if (p instanceof KindProvider) {
    if (logs !== undefined) {
      // The logs are evidence, not a condition for deleting: a failed export is one line, then down goes on.
      await p.exportLogs(name, resolve(logs)).then(
        () => io.err(`logs of ${name} exported (redacted) to ${resolve(logs)}`),
        (e: unknown) => io.err(`log export of ${name} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`),
      );
    }
    await p.down(name);
  } else await (await p.reuse(name)).destroy();
  io.err(`cluster ${name} deleted (provider ${p.name})`);
  return 0;
}

async function cmdSweep(v: Values, io: Io): Promise<number> {
  const provider = providerFlag(v);
  const kubeconfig = kubeconfigFlag(v, provider);
  const runId = str(v, 'run');
  if (runId !== undefined && !/^r[0-9a-z]{10}$/.test(runId)) throw new UsageError(`--run ${runId}: not a run id (r + 10 lowercase letters or digits)`);
  if (kubeconfig) {
    const { loadKube, checkReachable, sweep } = await import('@isoproof/kube');
    const kube = loadKube(kubeconfig, str(v, 'context'));
    await checkReachable(kube, 8_000);
    const n = await sweep(kube, runId);
    io.out(`removed ${n} object(s) labelled isoproof.dev/run${runId ? `=${runId}` : ''}`);
    return 0;
  }
  const { selectProvider } = await import('@isoproof/cluster');
  const p = await selectProvider({ provider, name: str(v, 'cluster-name'), env: {}, log: (l: string) => io.err(l) });
  const removed = await p.sweep(str(v, 'prefix'));
  io.out(removed.length ? `removed clusters: ${removed.join(', ')}` : 'no leftover clusters');
  return 0;
}

async function cmdReport(v: Values, positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("name one report.json: 'isoproof report FILE'");
  const format = (str(v, 'format') ?? 'console') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${format}'; use --format ${FORMATS.join('|')}`);
  const file = resolve(positionals[0] as string);
  if (!existsSync(file)) throw new IsoproofError('ISOPROOF_REPORT', `report file not found: ${file}`);
  const r = await import('@isoproof/report');
  const report = await r.readReport(file);
  let text: string;
  if (format === 'md') text = r.renderMarkdown(report);
  else if (format === 'junit') text = r.renderJUnit(report);
  else if (format === 'sarif') text = r.renderSarif(report);
  else text = consoleText(report);
  const out = str(v, 'out');
  if (out) {
    await writeFile(out, text.endsWith('\n') ? text : `${text}\n`);
    io.err(`wrote ${out}`);
  } else io.out(text);
  return 0;
}

const ICON = { PASS: '✅', FAIL: '❌', INCONCLUSIVE: '⚠️' } as const;

/** The console view of a finished report: one line per criterion, the reason when not PASS. */
export function consoleText(report: Report): string {
  const lines: string[] = [];
  for (const s of report.scenarios) {
    lines.push(`▶ ${s.overlay ? `${s.scenario}/${s.overlay}` : s.scenario} (${(s.durationMs / 1000).toFixed(1)}s)`);
    for (const o of s.outcomes) {
      const waived = o.verdict === 'PASS' && o.waiver?.state === 'active';
      const tag = waived ? 'PASS (waived)' : o.verdict;
      const why = o.verdict === 'PASS' && !waived ? '' : `: ${o.reason}`;
      lines.push(`  ${ICON[o.verdict]} ${tag.padEnd(13)} ${o.criterion.id} ${o.criterion.title}${why}`);
    }
  }
  const m = report.summary;
  if (report.interrupted) lines.push(`⏹ interrupted by ${report.interrupted.signal} during ${report.interrupted.during}: partial report, undecided criteria INCONCLUSIVE`);
  lines.push(
    `${ICON[report.verdict]} ${report.verdict}: ${m.total} criteria in ${m.scenarios} scenario run(s): ${m.pass} pass${m.waived ? ` (${m.waived} waived)` : ''}, ${m.fail} fail, ${m.inconclusive} inconclusive; run ${report.run.id} on ${report.provider}; exit code ${report.exitCode}`,
  );
  return lines.join('\n');
}

async function cmdList(v: Values, io: Io): Promise<number> {
  const run = await import('@isoproof/run');
  const { listOverlays } = await import('@isoproof/kube');
  const scenarios = await knownScenarios(await runSettings({ config: str(v, 'config'), scenarioDirs: list(v, 'scenario-dir') }));
  const rows = [];
  const broken: string[] = [];
  for (const s of scenarios) {
    try {
      const criteria = await run.loadScenarioCriteria(s);
      const overlays = await listOverlays(s.dir);
      rows.push({
        name: s.name,
        description: s.description,
        criteria: criteria.map((c) => ({ id: c.id, probe: c.probe, title: c.title, seed: c.seed })),
        overlays: overlays.map((o) => ({ name: o.name, description: o.description, flips: o.flips })),
      });
    } catch (err) {
      broken.push(`${s.name}: ${formatError(err, false).replace(/^isoproof: /, '')}`);
    }
  }
  // A broken scenario does not hide the others; it is reported on stderr and the exit code is 2.
  const done = (): number => {
    for (const b of broken) io.err(`isoproof: scenario ${b}`);
    return broken.length ? 2 : 0;
  };
  if (bool(v, 'json')) {
    io.out(JSON.stringify(rows, null, 2));
    return done();
  }
  if (rows.length === 0 && broken.length === 0) {
    io.out(`no scenarios under ${run.repoRoot()}/scenarios`);
    return 0;
  }
  for (const s of rows) {
    io.out(`${s.name}: ${s.description} (${s.criteria.length} criteria, ${s.overlays.length} overlays)`);
    const w = Math.max(...s.criteria.map((c) => c.id.length), 2);
    for (const c of s.criteria) io.out(`  ${c.id.padEnd(w)}  ${c.probe.padEnd(9)}  ${c.title}`);
    for (const o of s.overlays) io.out(`  overlay ${o.name}: flips ${o.flips.join(', ')}${o.description ? ` (${o.description})` : ''}`);
  }
  return done();
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      if (cmd === 'help' && rest[0]) {
        const c = COMMANDS.find((x) => x.name === rest[0]);
        if (!c) throw new UsageError(`unknown command '${rest[0]}'; commands: ${COMMANDS.map((x) => x.name).join(', ')}`);
        io.out(commandHelp(c));
        return 0;
      }
      io.out(topHelp());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version') {
      io.out((await import('@isoproof/report')).toolVersion());
      return 0;
    }
    const c = COMMANDS.find((x) => x.name === cmd);
    if (!c) {
      if (cmd.startsWith('-')) throw new UsageError(`unknown flag ${cmd}; flags come after the command, see 'isoproof --help'`);
      throw new UsageError(`unknown command '${cmd}'; commands: ${COMMANDS.map((x) => x.name).join(', ')}`);
    }
    const { values, positionals } = parse(c, rest);
    if (values.help === true) {
      io.out(commandHelp(c));
      return 0;
    }
    switch (c.name) {
      case 'run':
        noPositionals(c, positionals);
        return await cmdRun(values, io, debug, argv);
      case 'up':
        noPositionals(c, positionals);
        return await cmdUp(values, io);
      case 'down':
        noPositionals(c, positionals);
        return await cmdDown(values, io);
      case 'sweep':
        noPositionals(c, positionals);
        return await cmdSweep(values, io);
      case 'report':
        return await cmdReport(values, positionals, io);
      case 'list':
        noPositionals(c, positionals);
        return await cmdList(values, io);
      case 'validate':
        return await cmdValidate(positionals, io);
      case 'diff':
        return await cmdDiff(values, positionals, io);
      case 'bundle':
        return await cmdBundle(values, positionals, io, ['isoproof', ...argv]);
      case 'verify':
        return await cmdVerify(values, positionals, io);
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (err) {
    io.err(formatError(err, debug));
    return 2;
  }
}
