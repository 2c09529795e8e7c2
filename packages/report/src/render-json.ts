import { readFile } from 'node:fs/promises';
import { defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import type { Report } from './model';
import { READABLE_REPORT_VERSIONS, toolVersion } from './model';
import { assertValidReport, ReportError, reportProblems } from './schema';

/** report.json: the report validated against REPORT_SCHEMA, redacted, 2-space indented. */
export function renderJson(report: Report, opts: { redactor?: Redactor } = {}): string {
  const r = (opts.redactor ?? defaultRedactor).scrub(report);
  const plain = JSON.parse(JSON.stringify(r)) as unknown; // drops undefined fields like the file will
  assertValidReport(plain);
  return `${JSON.stringify(plain, null, 2)}\n`;
}

/**
 * Parses and validates a report.json text. `source` (the file) is named in every error, each of which
 * says what to do: a text that is empty, not JSON (corrupt or truncated), of a schema version this
 * isoproof does not read, or not matching the schema throws ReportError (ISOPROOF_INVALID_REPORT).
 */
export function parseReport(text: string, source = 'report'): Report {
  const regen = "regenerate it with 'isoproof run'";
  if (text.trim() === '') throw new ReportError(`${source}: empty file, not a report.json; ${regen}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0] ?? '';
    const truncated = /end of (JSON )?input|Unterminated/i.test(why);
    throw new ReportError(`${source}: not valid JSON${truncated ? ' (truncated?)' : ''}: ${why}; ${regen}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ReportError(`${source}: not an isoproof report (a JSON ${data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data}, not an object); name a report.json written by 'isoproof run'`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) {
    throw new ReportError(`${source}: no schemaVersion, not an isoproof report; name a report.json written by 'isoproof run'`);
  }
  if (typeof version !== 'string' || !READABLE_REPORT_VERSIONS.includes(version)) {
    throw new ReportError(
      `${source}: report schemaVersion ${JSON.stringify(version)} is not supported (this isoproof ${toolVersion()} reads ${READABLE_REPORT_VERSIONS.join(', ')}); use a matching isoproof version or ${regen}`,
    );
  }
  const problems = reportProblems(data);
  if (problems.length) {
    throw new ReportError(`${source}: not a valid isoproof ${version} report: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; ${regen}`);
  }
  return data as Report;
}

/** Reads and validates a report.json file. Throws ReportError (ISOPROOF_INVALID_REPORT) naming the file and the fix. */
export async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'not found; check the path'
        : code === 'EISDIR'
          ? 'is a directory; name the report.json inside it'
          : code === 'EACCES' || code === 'EPERM'
            ? 'not readable (permission denied); fix its permissions or run as its owner'
            : `cannot be read (${code ?? (e as Error).message}); check the file`;
    throw new ReportError(`${file}: report file ${why}`);
  }
  return parseReport(text, file);
}

/**
 * Parses and validates the text of a report file; `name` (a path or bundle member) starts every error
 * message (a report of another schemaVersion is named as such).
 */
export function parseReportFile(text: string, name: string): Report {
  return parseReport(text, name);
}
