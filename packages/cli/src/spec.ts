import { REPORT_COMMANDS, RUN_BUNDLE_FLAG } from './commands/specs';
/**
 * The command table: every command's flags, from which both the parser options and the help text
 * are generated, so the help always lists every flag the parser accepts.
 */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Value placeholder in help, e.g. NAME. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** Positional arguments in help, e.g. [FILE]. */
  positionals?: { name: string; help: string; required?: boolean };
  flags: FlagSpec[];
  examples?: string[];
  /** Lines after the examples (e.g. the command's exit codes). */
  notes?: string[];
}

const debug: FlagSpec = { name: 'debug', type: 'boolean', help: 'print stack traces of errors' };
const help: FlagSpec = { name: 'help', type: 'boolean', short: 'h', help: 'show this help' };
const provider: FlagSpec = {
  name: 'provider',
  type: 'string',
  value: 'kind|existing|local',
  help: 'cluster provider (default: existing if --kubeconfig is given, else kind if Docker and kind are usable, else local)',
};
const kubeconfig: FlagSpec = {
  name: 'kubeconfig',
  type: 'string',
  value: 'FILE',
  help: 'kubeconfig of an existing cluster (implies --provider existing); ~/.kube/config is never read implicitly',
};
const context: FlagSpec = { name: 'context', type: 'string', value: 'NAME', help: 'context in --kubeconfig (default: its current context)' };
const clusterName: FlagSpec = {
  name: 'cluster-name',
  type: 'string',
  value: 'NAME',
  help: 'kind cluster name (default: isoproof-kind; the local cluster is always isoproof-local)',
};

const scenarioDir: FlagSpec = {
  name: 'scenario-dir',
  type: 'string',
  multiple: true,
  value: 'DIR',
  help: 'also use the scenarios kept as data in DIR (a scenario directory, or a directory of them); see docs/write-your-own-scenario.md',
};
const config: FlagSpec = {
  name: 'config',
  type: 'string',
  value: 'FILE',
  help: 'config file: facts, waivers, tls, scenarioDirs, per-criterion parameters, timeouts (default: isoproof.yaml if present)',
};
const nodeImage: FlagSpec = {
  name: 'node-image',
  type: 'string',
  value: 'IMAGE',
  help: 'kind node image (default: $ISOPROOF_KIND_NODE_IMAGE, else kind\'s own); only for a cluster isoproof creates',
};
const kindConfig: FlagSpec = {
  name: 'kind-config',
  type: 'string',
  value: 'FILE',
  help: 'kind config file (default: $ISOPROOF_KIND_CONFIG, else clusters/kind/isoproof.yaml)',
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'run',
    summary: 'apply scenarios, probe, evaluate, write the report',
    usage: 'isoproof run (--all | --scenario NAME...) [flags]',
    flags: [
      provider,
      kubeconfig,
      context,
      { name: 'scenario', type: 'string', multiple: true, value: 'NAME', help: 'scenario to run; see isoproof list' },
      { name: 'all', type: 'boolean', help: 'run every scenario' },
      scenarioDir,
      {
        name: 'overlay',
        type: 'string',
        value: 'NAME',
        help: 'run this seeded violation instead of the baseline (its criteria are expected to FAIL)',
      },
      {
        name: 'with-overlays',
        type: 'boolean',
        help: 'run the baseline and every overlay; passes only if the baseline is all PASS and each overlay flips exactly the criteria it names',
      },
      { name: 'waivers', type: 'string', value: 'FILE', help: 'waivers file (default: the config file\'s waivers, else waivers.yaml if present)' },
      {
        name: 'fact',
        type: 'string',
        multiple: true,
        value: 'KEY=VALUE',
        help: 'a fact probes read (e.g. ingressAddress=127.0.0.1:18443, auditLogPath=/var/log/audit.log); overrides the config file and the provider',
      },
      config,
      {
        name: 'namespace-prefix',
        type: 'string',
        value: 'PREFIX',
        help: "prefix every scenario namespace name (e.g. dev1- makes tenant-a dev1-tenant-a), when the cluster already has namespaces with the scenarios' names",
      },
      { name: 'artifacts', type: 'string', value: 'DIR', help: 'where report.json, junit.xml, report.md, report.sarif and logs go (default: artifacts)' },
      { name: 'keep-cluster', type: 'boolean', help: 'leave the cluster and the scenario objects in place' },
      RUN_BUNDLE_FLAG,
      clusterName,
      nodeImage,
      kindConfig,
      debug,
      help,
    ],
    examples: [
      'isoproof run --all',
      'isoproof run --scenario tenant-isolation --kubeconfig ./kubeconfig --context dev',
      'isoproof run --all --kubeconfig ./kubeconfig --config isoproof.yaml --fact ingressAddress=10.0.0.5:443',
      'isoproof run --kubeconfig ./kubeconfig --scenario-dir ./my-scenarios --scenario team-isolation',
      'isoproof run --scenario tenant-isolation --overlay allow-cross-tenant --keep-cluster',
    ],
  },
  {
    name: 'up',
    summary: 'create (or reuse) a cluster and print its kubeconfig path',
    usage: 'isoproof up [flags]',
    flags: [provider, kubeconfig, context, clusterName, nodeImage, kindConfig, debug, help],
  },
  {
    name: 'down',
    summary: 'delete a cluster created by isoproof',
    usage: 'isoproof down [flags]',
    flags: [
      provider,
      clusterName,
      {
        name: 'logs',
        type: 'string',
        value: 'DIR',
        help: 'kind: first export the cluster logs to DIR, redacted (node logs; pod and container logs left out)',
      },
      debug,
      help,
    ],
  },
  {
    name: 'sweep',
    summary: 'remove leftovers: objects labelled isoproof.dev/run in a cluster, and kind clusters by name prefix',
    usage: 'isoproof sweep [flags]',
    flags: [
      provider,
      kubeconfig,
      context,
      clusterName,
      { name: 'run', type: 'string', value: 'ID', help: 'only objects of this run id (default: every run)' },
      { name: 'prefix', type: 'string', value: 'PREFIX', help: 'kind cluster name prefix to sweep (default: isoproof-)' },
      debug,
      help,
    ],
  },
  {
    name: 'report',
    summary: 're-render a report.json',
    usage: 'isoproof report FILE [--format md|junit|sarif|console] [--out FILE]',
    positionals: { name: 'FILE', help: 'a report.json written by isoproof run', required: true },
    flags: [
      { name: 'format', type: 'string', value: 'md|junit|sarif|console', help: 'output format (default: console)' },
      { name: 'out', type: 'string', value: 'FILE', help: 'write to FILE instead of stdout' },
      debug,
      help,
    ],
  },
  {
    name: 'list',
    summary: 'list scenarios with their criteria and overlays',
    usage: 'isoproof list [--json]',
    flags: [{ name: 'json', type: 'boolean', help: 'machine-readable output' }, scenarioDir, config, debug, help],
  },
  {
    name: 'validate',
    summary: 'check scenario directories offline: schemas, manifests, overlays, network cells simulated',
    usage: 'isoproof validate DIR...',
    positionals: { name: 'DIR', help: 'a scenario directory (criteria.yaml, manifests/, overlays/) or a directory of them', required: true },
    flags: [debug, help],
    examples: ['isoproof validate ./my-scenarios/team-isolation'],
  },
  ...REPORT_COMMANDS,
];

export const EXIT_CODES_HELP = `Exit codes:
  0  every criterion PASS (waived FAILs count as PASS)
  1  at least one criterion FAIL
  2  error, bad input, or a criterion INCONCLUSIVE (and none FAIL)
  130/143  stopped by SIGINT/SIGTERM: cleaned up, partial report written (a second signal exits at once)`;

function flagLine(f: FlagSpec): [string, string] {
  const names = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`;
  return [names, f.help + (f.multiple ? ' (repeatable)' : '')];
}

function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
}

export function commandHelp(c: CommandSpec): string {
  const parts = [`${c.usage}`, '', c.summary, ''];
  if (c.positionals) parts.push('Arguments:', table([[c.positionals.name, c.positionals.help]]), '');
  parts.push('Flags:', table(c.flags.map(flagLine)), '');
  if (c.examples?.length) parts.push('Examples:', ...c.examples.map((e) => `  ${e}`), '');
  if (c.name === 'run') parts.push(EXIT_CODES_HELP, '');
  if (c.notes?.length) parts.push(...c.notes, '');
  return parts.join('\n');
}

export function topHelp(): string {
  return [
    'isoproof: active isolation proofs for Kubernetes (PASS / FAIL / INCONCLUSIVE with evidence)',
    '',
    'Usage: isoproof <command> [flags]',
    '',
    'Commands:',
    table(COMMANDS.map((c) => [c.name, c.summary])),
    '',
    'Global flags:',
    table([
      ['-h, --help', 'show help (also: isoproof <command> --help)'],
      ['    --version', 'print the version'],
      ['    --debug', 'print stack traces of errors'],
    ]),
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

export function parseOptions(c: CommandSpec): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const f of c.flags) {
    out[f.name] = { type: f.type };
    if (f.multiple) out[f.name]!.multiple = true;
    if (f.short) out[f.name]!.short = f.short;
  }
  return out;
}
