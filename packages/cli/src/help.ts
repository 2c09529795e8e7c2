import { COMMANDS, type CommandSpec, type FlagSpec } from './spec';

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
