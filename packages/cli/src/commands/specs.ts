import type { CommandSpec, FlagSpec } from '../spec';

const debug: FlagSpec = { name: 'debug', type: 'boolean', help: 'print stack traces of errors' };
const help: FlagSpec = { name: 'help', type: 'boolean', short: 'h', help: 'show this help' };

/** `isoproof run --bundle FILE`: the run's artifacts packed as by `isoproof bundle`. */
export const RUN_BUNDLE_FLAG: FlagSpec = {
  name: 'bundle',
  type: 'string',
  value: 'FILE.tar.gz',
  help: 'also pack the artifacts into an evidence bundle (as isoproof bundle does), whatever the verdict',
};

/** Commands on reports and bundles: diff, bundle, verify. */
export const REPORT_COMMANDS: CommandSpec[] = [
  {
    name: 'diff',
    summary: 'compare two report.json files: regressed, fixed, still failing, new, removed criteria',
    usage: 'isoproof diff OLD.json NEW.json [--format md|json] [--out FILE]',
    positionals: { name: 'OLD.json NEW.json', help: 'two reports written by isoproof run (e.g. last night and tonight)', required: true },
    flags: [
      { name: 'format', type: 'string', value: 'md|json', help: 'output format (default: md)' },
      { name: 'out', type: 'string', value: 'FILE', help: 'write to FILE instead of stdout' },
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
