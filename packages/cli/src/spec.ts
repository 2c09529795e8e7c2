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

const out: FlagSpec = { name: 'out', type: 'string', value: 'FILE', help: 'write to FILE instead of stdout' };
/** `isoproof run --bundle FILE`: the run's artifacts packed as by `isoproof bundle`. */
const runBundle: FlagSpec = {
  name: 'bundle',
  type: 'string',
  value: 'FILE.tar.gz',
  help: 'also pack the artifacts into an evidence bundle (as isoproof bundle does), whatever the verdict',
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
      runBundle,
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
      out,
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
  // Commands on reports and bundles.
  {
    name: 'diff',
    summary: 'compare two report.json files: regressed, fixed, still failing, new, removed criteria',
    usage: 'isoproof diff OLD.json NEW.json [--format md|json] [--out FILE]',
    positionals: { name: 'OLD.json NEW.json', help: 'two reports written by isoproof run (e.g. last night and tonight)', required: true },
    flags: [
      { name: 'format', type: 'string', value: 'md|json', help: 'output format (default: md)' },
      out,
      debug,
      help,
    ],
    examples: ['isoproof diff previous/report.json artifacts/report.json', 'isoproof diff old.json new.json --format json --out diff.json'],
    notes: [
      'Criteria are matched by scenario, overlay and id. A seeded violation (overlay of an overlay-proof run)',
      'is expected to FAIL the criteria it flips; everything else is expected to PASS.',
      '',
      'Exit codes:',
      '  0  no regression (fixed, still failing, removed and unchanged criteria do not count)',
      '  1  a criterion regressed, or a new criterion is not as expected',
      '  2  bad input: a file missing, not a report, or of another report schema version',
    ],
  },
  {
    name: 'bundle',
    summary: 'pack an artifacts directory into an evidence bundle (report files, evidence, redacted logs, provenance, SHA256SUMS)',
    usage: 'isoproof bundle ARTIFACTS --out FILE.tar.gz',
    positionals: { name: 'ARTIFACTS', help: "the --artifacts directory of a finished 'isoproof run'", required: true },
    flags: [{ name: 'out', type: 'string', value: 'FILE.tar.gz', help: 'the bundle to write (required)' }, debug, help],
    examples: ['isoproof bundle artifacts --out isoproof-proof.tar.gz'],
    notes: ['Exit codes:', '  0  bundle written (its sha256 is printed)', '  2  bad input: no artifacts directory or no valid report.json in it'],
  },
  {
    name: 'verify',
    summary: "check an evidence bundle's SHA256SUMS, members and report schema; print the run's verdict",
    usage: 'isoproof verify FILE.tar.gz [--json]',
    positionals: { name: 'FILE.tar.gz', help: "a bundle written by 'isoproof bundle' or 'isoproof run --bundle'", required: true },
    flags: [{ name: 'json', type: 'boolean', help: 'machine-readable result' }, debug, help],
    examples: ['isoproof verify isoproof-proof.tar.gz'],
    notes: [
      'Exit codes (the integrity of the bundle, not the verdict of the run it holds):',
      '  0  intact: every file matches SHA256SUMS, none added or removed, report.json valid',
      '  1  tampered or damaged: the problems are listed',
      '  2  bad input: no such file, not a gzip file, or a report of another schema version',
    ],
  },
];
