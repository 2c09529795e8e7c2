import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IsoproofError } from '@isoproof/core';
import { UsageError } from '../errors';
import { type Values, str } from '../flags';
import type { Io } from '../io';

const FORMATS = ['md', 'junit', 'sarif', 'console'] as const;
type Format = (typeof FORMATS)[number];

/** `isoproof report FILE`: re-renders a report.json (console, md, junit or sarif). */
export async function cmdReport(v: Values, positionals: string[], io: Io): Promise<number> {
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
  else text = r.renderConsole(report);
  const out = str(v, 'out');
  if (out) {
    await writeFile(out, text.endsWith('\n') ? text : `${text}\n`);
    io.err(`wrote ${out}`);
  } else io.out(text);
  return 0;
}
