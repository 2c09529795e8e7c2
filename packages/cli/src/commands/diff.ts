import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IsoproofError } from '@isoproof/core';
import type { Io } from '../io';
import { UsageError } from '../errors';

const FORMATS = ['md', 'json'] as const;

/** `isoproof diff OLD NEW`: exit 0 no regression, 1 regression, 2 bad input. */
export async function cmdDiff(v: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 2) throw new UsageError("name two reports: 'isoproof diff OLD.json NEW.json'");
  const format = (typeof v.format === 'string' ? v.format : 'md') as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${format}'; use --format ${FORMATS.join('|')}`);
  const files = positionals.map((p) => resolve(p));
  for (const f of files) if (!existsSync(f)) throw new IsoproofError('ISOPROOF_REPORT', `report file not found: ${f}`);
  const r = await import('@isoproof/report');
  const [oldReport, newReport] = await Promise.all(files.map((f) => r.readReport(f)));
  const d = r.diffReports(oldReport!, newReport!);
  const text = format === 'json' ? r.renderDiffJson(d) : r.renderDiffMarkdown(d);
  if (typeof v.out === 'string') {
    await writeFile(v.out, text);
    io.err(`wrote ${v.out}`);
  } else io.out(text);
  const c = d.counts;
  io.err(`diff: ${c.regressed} regressed, ${c.fixed} fixed, ${c['still-failing']} still failing, ${c.new} new, ${c.removed} removed, ${c.unchanged} unchanged; exit ${r.diffExitCode(d)}`);
  return r.diffExitCode(d);
}
