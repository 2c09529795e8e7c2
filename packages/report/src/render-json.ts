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

/**
 * Parses and validates the text of a report file; `name` (a path or bundle member) starts every error
 * message. A report of another schemaVersion is named as such, not as a pile of schema errors.
 */
export function parseReportFile(text: string, name: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${name}: not JSON: ${(e as Error).message}`);
  }
  const version = data && typeof data === 'object' ? (data as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version !== undefined && version !== REPORT_SCHEMA_VERSION) {
    throw new ReportError(
      `${name}: not an isoproof ${REPORT_SCHEMA_VERSION} report: schemaVersion is ${JSON.stringify(version)}; this isoproof reads ${REPORT_SCHEMA_VERSION} only (use the isoproof version that wrote it)`,
    );
  }
  const problems = reportProblems(data);
  if (problems.length) throw new ReportError(`${name}: not an isoproof ${REPORT_SCHEMA_VERSION} report: ${problems[0]}`);
  return data as Report;
}

/** Reads and validates a report.json file. Throws ReportError (ISOPROOF_INVALID_REPORT) naming the file. */
export async function readReport(file: string): Promise<Report> {
  return parseReportFile(await readFile(file, 'utf8'), file);
}
