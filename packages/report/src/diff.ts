import { defaultRedactor } from '@isoproof/core';
import type { Outcome, ProbeKind, Redactor, Verdict } from '@isoproof/core';
import type { Report, ScenarioReport } from './model';
import { mdCell } from './render-markdown';
import { VERDICT_ICON, WAIVED_ICON } from './util';

/**
 * What happened to one criterion between two reports. A criterion is matched by scenario, overlay
 * (none = baseline) and id. Its expected verdict is PASS, except in an overlay run of an overlay-proof
 * report where the overlay names it among its flips: there the seeded violation must FAIL.
 * - regressed: was as expected, now is not; or was not and got worse (e.g. INCONCLUSIVE -> FAIL)
 * - fixed: was not as expected, now is
 * - still-failing: not as expected in both, no worse
 * - new / removed: only in the new / old report
 * - unchanged: as expected in both
 */
export type DiffStatus = 'regressed' | 'fixed' | 'still-failing' | 'new' | 'removed' | 'unchanged';

export const DIFF_STATUSES: readonly DiffStatus[] = ['regressed', 'new', 'still-failing', 'fixed', 'removed', 'unchanged'];

export interface DiffSide {
  verdict: Verdict;
  /** A FAIL turned PASS by an active waiver. */
  waived: boolean;
  reason: string;
}

export interface DiffEntry {
  scenario: string;
  overlay?: string;
  id: string;
  title: string;
  probe: ProbeKind;
  expected: Verdict;
  status: DiffStatus;
  /** A new criterion that is not as expected counts as a regression of the suite. */
  regression: boolean;
  old?: DiffSide;
  new?: DiffSide;
}

export interface DiffRunInfo {
  runId: string;
  finishedAt: string;
  verdict: Verdict;
  tool: string;
  provider: string;
  serverVersion: string;
  /** Set when a signal stopped that run (its undecided criteria are INCONCLUSIVE). */
  interrupted?: string;
}

/** The JSON form of `isoproof diff` (version of this shape: diffVersion). */
export interface ReportDiff {
  diffVersion: '1.0';
  old: DiffRunInfo;
  new: DiffRunInfo;
  counts: Record<DiffStatus, number>;
  /** True when a criterion regressed or a new one is not as expected: `isoproof diff` exits 1. */
  regression: boolean;
  /** Regressions first, then new, still failing, fixed, removed, unchanged; report order within. */
  entries: DiffEntry[];
}

interface Row {
  scenario: string;
  overlay?: string;
  outcome: Outcome;
  expected: Verdict;
}

const keyOf = (scenario: string, overlay: string | undefined, id: string) => `${scenario}\u0000${overlay ?? ''}\u0000${id}`;

function rows(report: Report): Map<string, Row> {
  const flips = new Map<string, Set<string>>();
  for (const p of report.proofs ?? []) flips.set(`${p.scenario}\u0000${p.overlay}`, new Set(p.flips));
  const out = new Map<string, Row>();
  const add = (sc: ScenarioReport, o: Outcome) => {
    const f = sc.overlay ? flips.get(`${sc.scenario}\u0000${sc.overlay}`) : undefined;
    const expected: Verdict = f?.has(o.criterion.id) ? 'FAIL' : 'PASS';
    let key = keyOf(sc.scenario, sc.overlay, o.criterion.id);
    // The same scenario run twice in one report: match occurrences in order.
    for (let n = 2; out.has(key); n++) key = `${keyOf(sc.scenario, sc.overlay, o.criterion.id)}\u0000${n}`;
    out.set(key, { scenario: sc.scenario, ...(sc.overlay ? { overlay: sc.overlay } : {}), outcome: o, expected });
  };
  for (const sc of report.scenarios) for (const o of sc.outcomes) add(sc, o);
  return out;
}

/** Distance from the expected verdict: 0 as expected, 1 INCONCLUSIVE, 2 the opposite. */
function distance(v: Verdict, expected: Verdict): number {
  if (v === expected) return 0;
  return v === 'INCONCLUSIVE' ? 1 : 2;
}

const side = (o: Outcome): DiffSide => ({ verdict: o.verdict, waived: o.verdict === 'PASS' && o.waiver?.state === 'active', reason: o.reason });

const info = (r: Report): DiffRunInfo => ({
  runId: r.run.id,
  finishedAt: r.finishedAt,
  verdict: r.verdict,
  tool: `${r.tool.name} ${r.tool.version}`,
  provider: r.provider,
  serverVersion: r.cluster.serverVersion,
  ...(r.interrupted ? { interrupted: `${r.interrupted.signal} during ${r.interrupted.during}` } : {}),
});

/** Compares two reports criterion by criterion (see DiffStatus). Redacted like every output. */
export function diffReports(oldReport: Report, newReport: Report, opts: { redactor?: Redactor } = {}): ReportDiff {
  const redactor = opts.redactor ?? defaultRedactor;
  const a = rows(redactor.scrub(oldReport));
  const b = rows(redactor.scrub(newReport));
  const entries: DiffEntry[] = [];
  for (const [key, nr] of b) {
    const or = a.get(key);
    const c = nr.outcome.criterion;
    const base = { scenario: nr.scenario, ...(nr.overlay ? { overlay: nr.overlay } : {}), id: c.id, title: c.title, probe: c.probe, expected: nr.expected };
    if (!or) {
      const bad = distance(nr.outcome.verdict, nr.expected) > 0;
      entries.push({ ...base, status: 'new', regression: bad, new: side(nr.outcome) });
      continue;
    }
    const dOld = distance(or.outcome.verdict, or.expected);
    const dNew = distance(nr.outcome.verdict, nr.expected);
    let status: DiffStatus;
    if (dNew === 0) status = dOld === 0 ? 'unchanged' : 'fixed';
    else status = dOld === 0 || dNew > dOld ? 'regressed' : 'still-failing';
    entries.push({ ...base, status, regression: status === 'regressed', old: side(or.outcome), new: side(nr.outcome) });
  }
  for (const [key, or] of a) {
    if (b.has(key)) continue;
    const c = or.outcome.criterion;
    entries.push({
      scenario: or.scenario,
      ...(or.overlay ? { overlay: or.overlay } : {}),
      id: c.id,
      title: c.title,
      probe: c.probe,
      expected: or.expected,
      status: 'removed',
      regression: false,
      old: side(or.outcome),
    });
  }
  const order = (e: DiffEntry) => (e.status === 'new' && !e.regression ? DIFF_STATUSES.length : DIFF_STATUSES.indexOf(e.status));
  const sorted = entries.map((e, i) => ({ e, i })).sort((x, y) => order(x.e) - order(y.e) || x.i - y.i).map((x) => x.e);
  const counts = Object.fromEntries(DIFF_STATUSES.map((s) => [s, 0])) as Record<DiffStatus, number>;
  for (const e of sorted) counts[e.status]++;
  return {
    diffVersion: '1.0',
    old: info(oldReport),
    new: info(newReport),
    counts,
    regression: sorted.some((e) => e.regression),
    entries: sorted,
  };
}

/** The exit code of `isoproof diff`: 1 on a regression, else 0. */
export function diffExitCode(d: ReportDiff): 0 | 1 {
  return d.regression ? 1 : 0;
}

const TITLES: Record<Exclude<DiffStatus, 'unchanged'>, string> = {
  regressed: 'Regressed',
  new: 'New',
  'still-failing': 'Still failing',
  fixed: 'Fixed',
  removed: 'Removed',
};

function verdictCell(s: DiffSide | undefined, expected: Verdict): string {
  if (!s) return '—';
  if (s.waived) return `${WAIVED_ICON} PASS (waived)`;
  const icon = expected === 'FAIL' && s.verdict === 'FAIL' ? VERDICT_ICON.PASS : expected === 'FAIL' && s.verdict === 'PASS' ? VERDICT_ICON.FAIL : VERDICT_ICON[s.verdict];
  return `${icon} ${s.verdict}${expected === 'FAIL' ? ' (seeded: FAIL expected)' : ''}`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * The Markdown form: a headline with the counts, then one table per status (unchanged ones are only
 * counted), old and new verdicts and reasons side by side. Suited to the top of a GitHub step summary.
 */
export function renderDiffMarkdown(d: ReportDiff, opts: { redactor?: Redactor; maxReason?: number } = {}): string {
  const diff = (opts.redactor ?? defaultRedactor).scrub(d);
  const max = opts.maxReason ?? 400;
  const c = diff.counts;
  const out: string[] = [];
  const head = diff.regression ? `${VERDICT_ICON.FAIL} regression` : c.fixed ? `${VERDICT_ICON.PASS} no regression, ${c.fixed} fixed` : `${VERDICT_ICON.PASS} no regression`;
  out.push(`## isoproof diff: ${head}`);
  out.push('');
  out.push(
    `**${c.regressed} regressed** · ${c.fixed} fixed · ${c['still-failing']} still failing · ${c.new} new · ${c.removed} removed · ${c.unchanged} unchanged`,
  );
  out.push('');
  const run = (r: DiffRunInfo) => `run \`${r.runId}\` (${VERDICT_ICON[r.verdict]} ${r.verdict}, ${mdCell(r.finishedAt)}, ${mdCell(r.tool)}, ${mdCell(r.provider)}, Kubernetes ${mdCell(r.serverVersion)}${r.interrupted ? `, **interrupted** by ${mdCell(r.interrupted)}` : ''})`;
  out.push(`Old: ${run(diff.old)}  `);
  out.push(`New: ${run(diff.new)}`);
  for (const status of DIFF_STATUSES) {
    if (status === 'unchanged') continue;
    const list = diff.entries.filter((e) => e.status === status);
    if (!list.length) continue;
    out.push('');
    out.push(`### ${TITLES[status]} (${list.length})`);
    out.push('');
    out.push('| Criterion | Scenario | Old | New | Old reason | New reason |');
    out.push('|---|---|---|---|---|---|');
    for (const e of list) {
      out.push(
        `| ${mdCell(e.id)} ${mdCell(e.title)} | ${mdCell(e.overlay ? `${e.scenario}/${e.overlay}` : e.scenario)} | ${verdictCell(e.old, e.expected)} | ${verdictCell(e.new, e.expected)} | ${mdCell(clip(e.old?.reason ?? '—', max))} | ${mdCell(clip(e.new?.reason ?? '—', max))} |`,
      );
    }
  }
  if (diff.entries.every((e) => e.status === 'unchanged')) {
    out.push('');
    out.push(`Nothing changed: every one of the ${c.unchanged} criteria is as expected in both runs.`);
  }
  return `${out.join('\n')}\n`;
}

/** The JSON form (ReportDiff, 2-space indented), redacted. */
export function renderDiffJson(d: ReportDiff, opts: { redactor?: Redactor } = {}): string {
  return `${JSON.stringify((opts.redactor ?? defaultRedactor).scrub(d), null, 2)}\n`;
}
