import { defaultRedactor } from '@isoproof/core';
import type { CheckResult, Observation, Outcome, Redactor, ReportSection } from '@isoproof/core';
import { countVerdicts, scenarioLabel } from './model';
import type { Report, ScenarioReport } from './model';
import { isWrongCell } from './render-markdown';
import { checkReason, describeObservation, resourceText, seconds } from './util';
import { SCRIPT, STYLE } from './html-assets';

/**
 * report.html: one self-contained page (inline CSS and script, no fetch of any kind; a Content
 * Security Policy forbids every network source), readable from file://. It shows the summary, filters
 * by verdict, scenario and probe, every criterion with its checks and evidence, each grid section as a
 * coloured grid (the network truth table with expected vs observed and the simulator's disagreements,
 * the RBAC access matrix) and the other sections. The page is complete without its script; the
 * script only filters. Redacted like every output.
 */

/** Escapes text for HTML element content and double-quoted attributes. */
export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = htmlEscape;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

type Shown = 'PASS' | 'WAIVED' | 'FAIL' | 'INCONCLUSIVE';

function shown(o: Pick<Outcome, 'verdict' | 'waiver'>): Shown {
  return o.verdict === 'PASS' && o.waiver?.state === 'active' ? 'WAIVED' : o.verdict;
}

/** Plain words in coloured badges: emoji need a font the reader's machine may not have. */
const BADGE: Record<Shown, string> = {
  PASS: 'PASS',
  WAIVED: 'PASS (waived)',
  FAIL: 'FAIL',
  INCONCLUSIVE: 'INCONCLUSIVE',
};

function badge(v: Shown): string {
  return `<span class="badge v-${v}">${e(BADGE[v])}</span>`;
}

function observationHtml(label: string, o: Observation | undefined): string {
  if (!o) return `<div class="obs"><b>${e(label)}</b>: none</div>`;
  const rows: string[] = [];
  rows.push(`<div><b>${e(label)}</b>: ${e(describeObservation(o))}${o.latencyMs !== undefined ? ` in ${o.latencyMs} ms` : ''}</div>`);
  if (o.error) rows.push(`<div>error: ${e(o.error)}</div>`);
  if (o.evidence.sent) rows.push(`<div>sent: <code>${e(o.evidence.sent)}</code></div>`);
  if (o.evidence.received) rows.push(`<div>received: <code>${e(o.evidence.received)}</code></div>`);
  for (const r of o.evidence.resources ?? []) rows.push(`<div>resource: ${e(resourceText(r))}</div>`);
  for (const n of o.evidence.notes ?? []) rows.push(`<div>note: ${e(n)}</div>`);
  return `<div class="obs">${rows.join('')}</div>`;
}

function checkVerdict(c: CheckResult): Shown {
  return c.waived ? 'WAIVED' : c.verdict;
}

function criterionHtml(sc: ScenarioReport, o: Outcome, index: number): string {
  const v = shown(o);
  const c = o.criterion;
  const checks = o.checks
    .map(
      (ch) => `<tr class="check v-${checkVerdict(ch)}"><td>${badge(checkVerdict(ch))}</td><td><code>${e(ch.id)}</code></td><td>${e(ch.expect)}</td><td>${e(
        describeObservation(ch.observation),
      )}</td><td>${e(describeObservation(ch.control))}</td><td>${e(checkReason(ch))}</td></tr>
<tr class="evidence"><td></td><td colspan="5">${observationHtml('observed', ch.observation)}${ch.control ? observationHtml('control', ch.control) : ''}</td></tr>`,
    )
    .join('\n');
  const waiver = o.waiver
    ? `<p class="waiver">Waiver (${e(o.waiver.state)}): selector <code>${e(o.waiver.selector)}</code>, owner ${e(o.waiver.owner)}, expires ${e(
        o.waiver.expires,
      )}: ${e(o.waiver.reason)}</p>`
    : '';
  const id = `c-${index}`;
  return `<tbody class="crit" data-verdict="${v}" data-scenario="${e(sc.scenario)}" data-probe="${e(c.probe)}" data-text="${e(
    `${c.id} ${c.title} ${o.reason}`.toLowerCase(),
  )}">
<tr class="row v-${v}"><td>${badge(v)}</td><td><button type="button" class="toggle" aria-expanded="false" aria-controls="${id}">${e(c.id)}</button></td><td>${e(
    c.title,
  )}</td><td>${e(c.probe)}</td><td>${e(c.severity ?? '')}</td><td class="reason">${e(o.reason)}</td></tr>
<tr class="details" id="${id}" hidden><td colspan="6"><p>Seed: ${e(c.seed)}. Vantage: ${e(c.vantage)}. Expectation: ${e(c.expectation)}.</p>${waiver}
<table class="checks"><thead><tr><th>Verdict</th><th>Check</th><th>Expect</th><th>Observed</th><th>Control</th><th>Reason</th></tr></thead><tbody>
${checks || '<tr><td colspan="6">no checks</td></tr>'}
</tbody></table></td></tr>
</tbody>`;
}

/** A network truth table: its legend names the NetworkPolicy simulation (see probe-network). */
function isNetworkGrid(s: Extract<ReportSection, { type: 'grid' }>): boolean {
  return /NetworkPolicy simulation/.test(s.legend);
}

const NET_STATE: Record<string, 'allowed' | 'denied' | 'error'> = { '.': 'allowed', X: 'denied', '?': 'error' };

/** Expected state of a network cell: from the criteria's check with the same key, else from the symbol. */
function networkExpected(row: string, col: string, observed: string, wrong: boolean, checks: Map<string, CheckResult['expect']>): string {
  const fromCheck = checks.get(`${row} -> ${col}`) ?? checks.get(`${row} -> ${col}/TCP`) ?? checks.get(`${row} -> ${col}/UDP`);
  if (fromCheck) return fromCheck;
  if (observed === 'error') return 'unknown';
  if (!wrong) return observed;
  return observed === 'allowed' ? 'denied' : 'allowed';
}

function gridHtml(s: Extract<ReportSection, { type: 'grid' }>, sc: ScenarioReport): string {
  const network = isNetworkGrid(s);
  const checks = new Map<string, CheckResult['expect']>();
  if (network) for (const o of sc.outcomes) for (const c of o.checks) if (!checks.has(c.id)) checks.set(c.id, c.expect);
  let wrongCount = 0;
  let simCount = 0;
  const head = `<tr><th class="corner"></th>${s.colLabels.map((l) => `<th class="col"><span>${e(l)}</span></th>`).join('')}</tr>`;
  const body = s.rowLabels
    .map((label, i) => {
      const cells = s.colLabels
        .map((col, j) => {
          const raw = s.cells[i]?.[j] ?? '';
          if (raw === '') return '<td class="cell empty" title="not probed"></td>';
          const wrong = isWrongCell(raw);
          const sim = raw.includes('~') || raw.includes('≠');
          if (wrong) wrongCount++;
          if (sim) simCount++;
          const classes = ['cell'];
          if (wrong) classes.push('wrong');
          if (sim) classes.push('sim');
          let title = `${label} → ${col}: ${raw}`;
          let inner = e(raw.replace(/!/g, ''));
          if (network) {
            const base = raw.replace(/[!~]/g, '');
            const observed = NET_STATE[base] ?? 'error';
            const expected = networkExpected(label, col, observed, wrong, checks);
            classes.push(`obs-${observed}`);
            title = `${label} → ${col}: expected ${expected}, observed ${observed}${sim ? '; the NetworkPolicy simulation disagrees with the cluster' : ''}`;
            inner = `<span class="o">${e(observed)}</span><span class="x">exp ${e(expected)}</span>${sim ? '<span class="s">≠ sim</span>' : ''}`;
          } else if (/^✓/.test(raw) || /^ok\b|: read$/.test(raw)) classes.push('obs-allowed');
          else if (/^·/.test(raw) || /denied/.test(raw)) classes.push('obs-denied');
          else if (raw.includes('?') || /error/.test(raw)) classes.push('obs-error');
          return `<td class="${classes.join(' ')}" title="${e(title)}">${inner}</td>`;
        })
        .join('');
      return `<tr><th class="rowlabel">${e(label)}</th>${cells}</tr>`;
    })
    .join('\n');
  const kind = network ? 'network' : /^Access matrix/.test(s.title) ? 'rbac' : 'generic';
  const counts = `${wrongCount} cell${wrongCount === 1 ? '' : 's'} contradict${wrongCount === 1 ? 's' : ''} the criteria${
    network ? `; ${simCount} disagree${simCount === 1 ? 's' : ''} with the NetworkPolicy simulation` : simCount ? `; ${simCount} marked ≠` : ''
  }`;
  return `<figure class="grid-wrap" data-kind="${kind}"><figcaption><h4>${e(s.title)}</h4><p class="legend">${e(s.legend)}</p><p class="legend">${e(
    counts,
  )}. Red: contradicts the criteria${network ? '; dashed outline: the cluster differs from the NetworkPolicy simulation' : simCount ? '; dashed outline: marked ≠' : ''}.</p></figcaption>
<div class="scroll"><table class="grid" data-kind="${kind}" data-wrong="${wrongCount}" data-sim="${simCount}"><thead>${head}</thead><tbody>
${body}
</tbody></table></div></figure>`;
}

function sectionHtml(s: ReportSection, sc: ScenarioReport): string {
  switch (s.type) {
    case 'grid':
      return gridHtml(s, sc);
    case 'table':
      return `<figure class="table-wrap"><figcaption><h4>${e(s.title)}</h4></figcaption><div class="scroll"><table class="plain"><thead><tr>${s.columns
        .map((c) => `<th>${e(c)}</th>`)
        .join('')}</tr></thead><tbody>${s.rows
        .map((r) => `<tr>${s.columns.map((_c, i) => `<td>${e(r[i] ?? '')}</td>`).join('')}</tr>`)
        .join('\n')}</tbody></table></div>${s.note ? `<p class="legend">${e(s.note)}</p>` : ''}</figure>`;
    case 'text':
      return `<figure class="text-wrap"><figcaption><h4>${e(s.title)}</h4></figcaption><pre>${e(s.body)}</pre></figure>`;
  }
}

function scenarioHtml(sc: ScenarioReport, start: number): string {
  const c = countVerdicts(sc.outcomes);
  const label = scenarioLabel(sc);
  const crits = sc.outcomes.map((o, i) => criterionHtml(sc, o, start + i)).join('\n');
  return `<section class="scenario" data-scenario="${e(sc.scenario)}">
<h2>${e(label)}</h2>
<p>${sc.overlay ? `Overlay <code>${e(sc.overlay)}</code> (seeded violation). ` : 'Baseline. '}${c.total} criteria: ${c.pass} pass${
    c.waived ? ` (${c.waived} waived)` : ''
  }, ${c.fail} fail, ${c.inconclusive} inconclusive, ${e(seconds(sc.durationMs))}.</p>
<table class="criteria"><thead><tr><th>Verdict</th><th>Criterion</th><th>Title</th><th>Probe</th><th>Severity</th><th>Reason</th></tr></thead>
${crits}
</table>
${sc.sections.map((s) => sectionHtml(s, sc)).join('\n')}
</section>`;
}

/** The HTML report (see the module comment). */
export function renderHtml(report: Report, opts: { redactor?: Redactor } = {}): string {
  const r = (opts.redactor ?? defaultRedactor).scrub(report);
  const s = r.summary;
  const all = r.scenarios.flatMap((sc) => sc.outcomes);
  const scenarios = [...new Set(r.scenarios.map((sc) => sc.scenario))];
  const probes = [...new Set(all.map((o) => o.criterion.probe))].sort();
  const present = new Set(all.map(shown));
  let index = 0;
  const body = r.scenarios
    .map((sc) => {
      const html = scenarioHtml(sc, index);
      index += sc.outcomes.length;
      return html;
    })
    .join('\n');
  const scenarioRows = r.scenarios
    .map((sc) => {
      const c = countVerdicts(sc.outcomes);
      const v: Shown = c.fail ? 'FAIL' : c.inconclusive || c.total === 0 ? 'INCONCLUSIVE' : 'PASS';
      return `<tr><td>${badge(v)}</td><td>${e(sc.scenario)}</td><td>${e(sc.overlay ?? '(baseline)')}</td><td>${c.pass}</td><td>${c.fail}</td><td>${c.inconclusive}</td><td>${c.waived}</td><td>${e(
        seconds(sc.durationMs),
      )}</td></tr>`;
    })
    .join('\n');
  const proofs = r.proofs?.length
    ? `<h2>Overlay proofs</h2><p>Each seeded violation must flip exactly the criteria it names to FAIL and leave the others PASS.</p>
<table class="summary"><thead><tr><th></th><th>Scenario</th><th>Overlay</th><th>Flips</th><th>Problems</th></tr></thead><tbody>${r.proofs
        .map(
          (p) =>
            `<tr><td>${badge(p.ok ? 'PASS' : 'FAIL')}</td><td>${e(p.scenario)}</td><td>${e(p.overlay)}</td><td>${e(p.flips.join(', '))}</td><td>${e(
              p.problems.join('; ') || '—',
            )}</td></tr>`,
        )
        .join('\n')}</tbody></table>`
    : '';
  const verdictBox = (v: Shown, label: string) =>
    `<label><input type="checkbox" name="verdict" value="${v}" checked${present.has(v) ? '' : ' data-empty="1"'}> ${e(label)}</label>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${e(`${r.tool.name} ${r.tool.version}`)}">
<title>isoproof ${e(r.verdict)}: run ${e(r.run.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>isoproof: ${badge(r.verdict)}</h1>
<p class="meta">Run <code>${e(r.run.id)}</code> · provider <code>${e(r.provider)}</code> · Kubernetes ${e(r.cluster.serverVersion)} · ${e(r.tool.name)} ${e(
    r.tool.version,
  )} · finished ${e(r.finishedAt)} · ${e(seconds(r.durationMs))} · exit code ${r.exitCode}</p>
${
  r.interrupted
    ? `<p class="interrupted">Interrupted by ${e(r.interrupted.signal)} during ${e(r.interrupted.during)}: the report is partial; criteria the run did not decide are INCONCLUSIVE.</p>`
    : ''
}
</header>
<section id="summary">
<div class="cards"><div class="card"><b>${s.total}</b>criteria</div><div class="card pass"><b>${s.pass}</b>pass</div><div class="card waived"><b>${
    s.waived
  }</b>waived</div><div class="card fail"><b>${s.fail}</b>fail</div><div class="card inc"><b>${s.inconclusive}</b>inconclusive</div><div class="card"><b>${
    s.scenarios
  }</b>scenario runs</div></div>
<table class="summary"><thead><tr><th></th><th>Scenario</th><th>Overlay</th><th>Pass</th><th>Fail</th><th>Inconclusive</th><th>Waived</th><th>Duration</th></tr></thead><tbody>
${scenarioRows}
</tbody></table>
<p class="legend">${badge('PASS')} holds · ${badge('FAIL')} proven violation · ${badge('INCONCLUSIVE')} could not tell (no control, probe error) · ${badge(
    'WAIVED',
  )} violation covered by an active waiver</p>
${proofs}
</section>
<form id="filters" onsubmit="return false">
<fieldset><legend>Verdict</legend>${verdictBox('FAIL', 'FAIL')}${verdictBox('INCONCLUSIVE', 'INCONCLUSIVE')}${verdictBox('WAIVED', 'PASS (waived)')}${verdictBox(
    'PASS',
    'PASS',
  )}</fieldset>
<label>Scenario <select id="f-scenario"><option value="">all</option>${scenarios.map((x) => `<option>${e(x)}</option>`).join('')}</select></label>
<label>Probe <select id="f-probe"><option value="">all</option>${probes.map((x) => `<option>${e(x)}</option>`).join('')}</select></label>
<label>Search <input id="f-text" type="search" placeholder="id, title, reason"></label>
<button type="button" id="f-expand">expand shown</button>
<span id="shown">${all.length} criteria</span>
</form>
<main>
${body}
</main>
<footer>Written by ${e(r.tool.name)} ${e(r.tool.version)} from report.json (schema ${e(r.schemaVersion)}); every value passed through isoproof's redaction.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
