import type { CheckResult, Outcome, ReportSection } from '@isoproof/core';
import { defaultRedactor } from '@isoproof/core';
import type { Redactor } from '@isoproof/core';
import { countVerdicts, scenarioLabel } from './model';
import type { Report, ScenarioReport } from './model';
import { checkReason, describeObservation, resourceText, seconds, VERDICT_ICON, WAIVED_ICON } from './util';

export interface MarkdownOptions {
  redactor?: Redactor;
  /** Evidence blocks shown per criterion (non-PASS checks first). Default 20. */
  maxEvidencePerCriterion?: number;
  /** Check rows listed per criterion. Default 200. */
  maxChecksPerCriterion?: number;
}

/** Escapes text for a Markdown table cell (pipes, newlines, HTML). */
export function mdCell(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

function escHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fenced code block that cannot be closed early by the content. */
function fence(body: string, lang = 'text'): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${body.replace(/\n+$/, '')}\n${f}`;
}

function table(columns: string[], rows: string[][]): string {
  const head = `| ${columns.map(mdCell).join(' | ')} |`;
  const sep = `|${columns.map(() => '---').join('|')}|`;
  const body = rows.map((r) => `| ${columns.map((_c, i) => mdCell(r[i] ?? '')).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

function checkVerdict(c: CheckResult): string {
  return c.waived ? `${WAIVED_ICON} PASS (waived)` : `${VERDICT_ICON[c.verdict]} ${c.verdict}`;
}

/** Display width in code points (✓, ≠ and friends count one). */
const width = (t: string) => [...t].length;

/** Whether a grid cell contradicts the criteria: its symbol carries `!` (or the word WRONG). */
export function isWrongCell(c: string): boolean {
  return c.includes('!') || /\bWRONG\b/.test(c);
}

/**
 * A grid section as a fixed-width block. Cells hold short symbols chosen by the family (`.`, `X`, `?`,
 * `✓`, ...; the legend says what they mean); a cell that contradicts the criteria carries `!` (or the
 * word WRONG) and is shown in brackets without the `!`, e.g. `[X]`. Columns are numbered; their labels
 * are listed under the block.
 */
export function renderGrid(s: Extract<ReportSection, { type: 'grid' }>): string {
  const rowW = Math.max(4, ...s.rowLabels.map(width));
  const cells = s.cells.map((row) =>
    row.map((c) => (isWrongCell(c) ? { v: c.replace(/!/g, '') || '?', wrong: true } : { v: c, wrong: false })),
  );
  const cellW = Math.max(1, ...cells.flat().map((c) => width(c.v)));
  // room for the brackets of a wrong cell, plus one space between columns
  const inner = Math.max(String(s.colLabels.length).length, cellW + 2);
  const colW = inner + 1;
  const pad = (t: string, w: number) => {
    const iw = w - 1;
    const left = Math.floor((iw - width(t)) / 2);
    return ' '.repeat(Math.max(0, left)) + t + ' '.repeat(Math.max(0, w - width(t) - left));
  };
  const lines: string[] = [];
  lines.push(`${' '.repeat(rowW)} |${s.colLabels.map((_l, j) => pad(String(j + 1), colW)).join('')}`.trimEnd());
  lines.push(`${'-'.repeat(rowW)}-+${'-'.repeat(colW * s.colLabels.length)}`);
  let wrong = 0;
  s.rowLabels.forEach((label, i) => {
    const row = cells[i] ?? [];
    const txt = s.colLabels
      .map((_l, j) => {
        const c = row[j];
        if (!c) return pad('', colW);
        if (c.wrong) {
          wrong++;
          return pad(`[${c.v}]`, colW);
        }
        return pad(c.v, colW);
      })
      .join('');
    lines.push(`${label}${' '.repeat(rowW - width(label))} |${txt}`.trimEnd());
  });
  lines.push('');
  s.colLabels.forEach((l, j) => lines.push(`${String(j + 1).padStart(String(s.colLabels.length).length)} = ${l}`));
  lines.push('');
  lines.push(`legend: ${s.legend}`);
  lines.push(`[ ] marks a cell that contradicts the criteria: ${wrong} cell${wrong === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function renderSection(s: ReportSection): string {
  switch (s.type) {
    case 'table':
      return `#### ${escHtml(s.title)}\n\n${table(s.columns, s.rows)}${s.note ? `\n\n_${escHtml(s.note)}_` : ''}`;
    case 'grid':
      return `#### ${escHtml(s.title)}\n\n${fence(renderGrid(s))}`;
    case 'text':
      return `#### ${escHtml(s.title)}\n\n${fence(s.body)}`;
  }
}

function evidenceBlock(c: CheckResult): string {
  const parts: string[] = [`**${mdCell(c.id)}**: ${mdCell(checkReason(c))}`];
  const obsBlock = (label: string, o: CheckResult['observation']) => {
    const lines: string[] = [`${label}: ${describeObservation(o)}${o.latencyMs !== undefined ? ` in ${o.latencyMs} ms` : ''}`];
    if (o.error) lines.push(`error: ${o.error}`);
    if (o.evidence.sent) lines.push(`sent: ${o.evidence.sent}`);
    if (o.evidence.received) lines.push(`received: ${o.evidence.received}`);
    for (const r of o.evidence.resources ?? []) lines.push(`resource: ${resourceText(r)}`);
    for (const n of o.evidence.notes ?? []) lines.push(`note: ${n}`);
    return lines.join('\n');
  };
  let body = obsBlock('observed', c.observation);
  if (c.control) body += `\n${obsBlock('control', c.control)}`;
  parts.push(fence(body));
  return parts.join('\n\n');
}

function criterionDetails(o: Outcome, opts: Required<Omit<MarkdownOptions, 'redactor'>>): string {
  const n = o.checks.length;
  const out: string[] = [];
  out.push(`<details><summary>${escHtml(o.criterion.id)}: ${n} check${n === 1 ? '' : 's'}, ${escHtml(o.criterion.vantage)}</summary>`);
  out.push('');
  out.push(`Seed: ${mdCell(o.criterion.seed)}. Expectation: ${mdCell(o.criterion.expectation)}.`);
  if (o.waiver) {
    out.push('');
    out.push(
      `Waiver (${o.waiver.state}): selector \`${o.waiver.selector}\`, owner ${mdCell(o.waiver.owner)}, expires ${mdCell(o.waiver.expires)}: ${mdCell(o.waiver.reason)}`,
    );
  }
  if (n > 0) {
    const rows = o.checks.slice(0, opts.maxChecksPerCriterion).map((c) => [
      c.id,
      c.expect,
      describeObservation(c.observation),
      describeObservation(c.control),
      checkVerdict(c),
    ]);
    out.push('');
    out.push(table(['Check', 'Expect', 'Observed', 'Control', 'Verdict'], rows));
    if (n > opts.maxChecksPerCriterion) out.push(`\n_${n - opts.maxChecksPerCriterion} more checks in report.json_`);
    const order = [...o.checks].sort((a, b) => rank(a) - rank(b));
    const shown = order.slice(0, opts.maxEvidencePerCriterion);
    for (const c of shown) {
      out.push('');
      out.push(evidenceBlock(c));
    }
    if (order.length > shown.length) out.push(`\n_evidence of ${order.length - shown.length} more checks in report.json_`);
  }
  out.push('');
  out.push('</details>');
  return out.join('\n');
}

function rank(c: CheckResult): number {
  if (c.verdict === 'FAIL') return 0;
  if (c.verdict === 'INCONCLUSIVE') return 1;
  if (c.waived) return 2;
  return 3;
}

function scenarioSection(s: ScenarioReport, opts: Required<Omit<MarkdownOptions, 'redactor'>>): string {
  const out: string[] = [];
  out.push(`## ${escHtml(scenarioLabel(s))}`);
  out.push('');
  const c = countVerdicts(s.outcomes);
  out.push(
    `${s.overlay ? `Overlay \`${s.overlay}\` (seeded violation). ` : 'Baseline. '}${c.total} criteria: ${c.pass} pass${c.waived ? ` (${c.waived} waived)` : ''}, ${c.fail} fail, ${c.inconclusive} inconclusive, ${seconds(s.durationMs)}.`,
  );
  out.push('');
  out.push(
    table(
      ['', 'Criterion', 'Title', 'Probe', 'Verdict', 'Reason'],
      s.outcomes.map((o) => [
        o.verdict === 'PASS' && o.waiver?.state === 'active' ? WAIVED_ICON : VERDICT_ICON[o.verdict],
        o.criterion.id,
        o.criterion.title,
        o.criterion.probe,
        o.verdict === 'PASS' && o.waiver?.state === 'active' ? 'PASS (waived)' : o.verdict,
        o.reason,
      ]),
    ),
  );
  for (const o of s.outcomes) {
    out.push('');
    out.push(criterionDetails(o, opts));
  }
  for (const sec of s.sections) {
    out.push('');
    out.push(renderSection(sec));
  }
  return out.join('\n');
}

/** The Markdown report (GitHub-flavoured; suitable for $GITHUB_STEP_SUMMARY). Redacted. */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const r = (options.redactor ?? defaultRedactor).scrub(report);
  const opts = {
    maxEvidencePerCriterion: options.maxEvidencePerCriterion ?? 20,
    maxChecksPerCriterion: options.maxChecksPerCriterion ?? 200,
  };
  const out: string[] = [];
  out.push(`# isoproof: ${VERDICT_ICON[r.verdict]} ${r.verdict}`);
  out.push('');
  out.push(
    `Run \`${r.run.id}\` · provider \`${r.provider}\` · Kubernetes ${mdCell(r.cluster.serverVersion)} · ${mdCell(r.tool.name)} ${mdCell(r.tool.version)} · finished ${r.finishedAt} · ${seconds(r.durationMs)} · exit code ${r.exitCode}`,
  );
  out.push('');
  if (r.interrupted) {
    out.push(
      `**Interrupted** by ${r.interrupted.signal} during ${mdCell(r.interrupted.during)}: a partial report; criteria the run did not decide are INCONCLUSIVE.`,
    );
    out.push('');
  }
  const s = r.summary;
  out.push(
    `**${s.total} criteria** in ${s.scenarios} scenario run${s.scenarios === 1 ? '' : 's'}: ${VERDICT_ICON.PASS} ${s.pass} pass${s.waived ? ` (${WAIVED_ICON} ${s.waived} waived)` : ''} · ${VERDICT_ICON.FAIL} ${s.fail} fail · ${VERDICT_ICON.INCONCLUSIVE} ${s.inconclusive} inconclusive`,
  );
  out.push('');
  out.push(
    table(
      ['', 'Scenario', 'Overlay', 'Pass', 'Fail', 'Inconclusive', 'Waived', 'Duration'],
      r.scenarios.map((sc) => {
        const c = countVerdicts(sc.outcomes);
        const icon = c.fail ? VERDICT_ICON.FAIL : c.inconclusive || c.total === 0 ? VERDICT_ICON.INCONCLUSIVE : VERDICT_ICON.PASS;
        return [icon, sc.scenario, sc.overlay ?? '(baseline)', String(c.pass), String(c.fail), String(c.inconclusive), String(c.waived), seconds(sc.durationMs)];
      }),
    ),
  );
  out.push('');
  out.push(`${VERDICT_ICON.PASS} holds · ${VERDICT_ICON.FAIL} proven violation · ${VERDICT_ICON.INCONCLUSIVE} could not tell (no control, probe error) · ${WAIVED_ICON} violation covered by an active waiver`);
  if (r.proofs?.length) {
    out.push('');
    out.push('## Overlay proofs');
    out.push('');
    out.push('Each seeded violation must flip exactly the criteria it names to FAIL and leave the others PASS.');
    out.push('');
    out.push(
      table(
        ['', 'Scenario', 'Overlay', 'Flips', 'Problems'],
        r.proofs.map((p) => [p.ok ? VERDICT_ICON.PASS : VERDICT_ICON.FAIL, p.scenario, p.overlay, p.flips.join(', '), p.problems.join('; ') || '—']),
      ),
    );
  }
  for (const sc of r.scenarios) {
    out.push('');
    out.push(scenarioSection(sc, opts));
  }
  return `${out.join('\n')}\n`;
}
