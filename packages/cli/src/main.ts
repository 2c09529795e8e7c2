import { UsageError, formatError } from './errors';
import { type Values, noPositionals, parse } from './flags';
import { commandHelp, topHelp } from './help';
import { type Io, stdio } from './io';
import { COMMANDS } from './spec';
import { cmdBundle } from './commands/bundle';
import { cmdDiff } from './commands/diff';
import { cmdDown } from './commands/down';
import { cmdList } from './commands/list';
import { cmdReport } from './commands/report';
import { cmdRun } from './commands/run';
import { cmdSweep } from './commands/sweep';
import { cmdUp } from './commands/up';
import { cmdValidate } from './commands/validate';
import { cmdVerify } from './commands/verify';

/** What a command gets: its parsed flags and arguments, where to print, and the whole command line. */
interface Invocation {
  values: Values;
  positionals: string[];
  io: Io;
  debug: boolean;
  argv: string[];
}

/** Each command of the table (spec.ts) and its file under commands/. Commands without positionals in their spec take none. */
const HANDLERS: Record<string, (a: Invocation) => Promise<number>> = {
  run: (a) => cmdRun(a.values, a.io, a.debug, a.argv),
  up: (a) => cmdUp(a.values, a.io),
  down: (a) => cmdDown(a.values, a.io),
  sweep: (a) => cmdSweep(a.values, a.io),
  report: (a) => cmdReport(a.values, a.positionals, a.io),
  list: (a) => cmdList(a.values, a.io),
  validate: (a) => cmdValidate(a.positionals, a.io),
  diff: (a) => cmdDiff(a.values, a.positionals, a.io),
  bundle: (a) => cmdBundle(a.values, a.positionals, a.io, ['isoproof', ...a.argv]),
  verify: (a) => cmdVerify(a.values, a.positionals, a.io),
};

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
    const handler = HANDLERS[c.name];
    if (!handler) throw new UsageError(`unknown command '${cmd}'`);
    if (!c.positionals) noPositionals(c, positionals);
    return await handler({ values, positionals, io, debug, argv });
  } catch (err) {
    io.err(formatError(err, debug));
    return 2;
  }
}
