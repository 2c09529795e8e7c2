import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import type { Report } from './model';
import { renderHtml } from './render-html';
import { renderJUnit } from './render-junit';
import { renderJson } from './render-json';
import { renderMarkdown } from './render-markdown';
import { renderSarif } from './render-sarif';

export interface ArtifactPaths {
  json: string;
  junit: string;
  markdown: string;
  sarif: string;
  /** report.html: the self-contained page (no network fetch; opens from file://). */
  html: string;
  /** Set when the Markdown was appended to $GITHUB_STEP_SUMMARY. */
  stepSummary?: string;
}

/** GitHub caps a step summary at 1 MiB; keep under it. */
const STEP_SUMMARY_MAX = 1_000_000;

/**
 * Writes report.json, junit.xml, report.md, report.sarif and report.html into `dir` (created if needed), and
 * appends the Markdown to $GITHUB_STEP_SUMMARY when set. The report is scrubbed once before anything is
 * rendered (and every renderer scrubs again): no registered secret can reach a file.
 */
export async function writeArtifacts(
  report: Report,
  dir: string,
  opts: { redactor?: Redactor; env?: NodeJS.ProcessEnv } = {},
): Promise<ArtifactPaths> {
  const redactor = opts.redactor ?? defaultRedactor;
  const env = opts.env ?? process.env;
  const safe = redactor.scrub(report);
  await mkdir(dir, { recursive: true });
  const paths: ArtifactPaths = {
    json: join(dir, 'report.json'),
    junit: join(dir, 'junit.xml'),
    markdown: join(dir, 'report.md'),
    sarif: join(dir, 'report.sarif'),
    html: join(dir, 'report.html'),
  };
  const md = renderMarkdown(safe, { redactor });
  await writeFile(paths.json, renderJson(safe, { redactor }));
  await writeFile(paths.junit, renderJUnit(safe, { redactor }));
  await writeFile(paths.markdown, md);
  await writeFile(paths.sarif, renderSarif(safe, { redactor }));
  await writeFile(paths.html, renderHtml(safe, { redactor }));
  const summary = env.GITHUB_STEP_SUMMARY;
  if (summary) {
    let text = md;
    if (Buffer.byteLength(text) > STEP_SUMMARY_MAX) {
      const compact = renderMarkdown(safe, { redactor, maxEvidencePerCriterion: 0, maxChecksPerCriterion: 20 });
      text =
        Buffer.byteLength(compact) > STEP_SUMMARY_MAX
          ? `${compact.slice(0, STEP_SUMMARY_MAX - 200)}\n\n_truncated: see report.md in the artifacts_\n`
          : compact;
    }
    await appendFile(summary, `${text}\n`);
    paths.stepSummary = summary;
  }
  return paths;
}
