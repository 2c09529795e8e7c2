import { readFile } from 'node:fs/promises';
import { defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import type { Report } from './model';
import { REPORT_SCHEMA_VERSION } from './model';
import { assertValidReport, ReportError, reportProblems } from './schema';

/** report.json: the report validated against REPORT_SCHEMA, redacted, 2-space indented. */
export function renderJson(report: Report, opts: { redactor?: Redactor } = {}): string {
  const r = (opts.redactor ?? defaultRedactor).scrub(report);
  const plain = JSON.parse(JSON.stringify(r)) as unknown; // drops undefined fields like the file will
  assertValidReport(plain);
  return `${JSON.stringify(plain, null, 2)}\n`;
}

/** Parses and validates a report.json text (e.g. for `isoproof report`). */
export function parseReport(text: string): Report {
  const data = JSON.parse(text) as unknown;
  assertValidReport(data);
  return data;
}

/** Reads and validates a report.json file. Throws ReportError (ISOPROOF_INVALID_REPORT) naming the file. */
export async function readReport(file: string): Promise<Report> {
  const text = await readFile(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const problems = reportProblems(data);
  if (problems.length) throw new ReportError(`${file}: not an isoproof ${REPORT_SCHEMA_VERSION} report: ${problems[0]}`);
  return data as Report;
}
