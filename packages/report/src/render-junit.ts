import { defaultRedactor } from '@isoproof/core';
import type { CheckResult, Outcome, Redactor } from '@isoproof/core';
import { countVerdicts, scenarioLabel } from './model';
import type { Report } from './model';
import { checkReason, describeObservation, resourceText } from './util';

/** Escapes XML text and attribute values; drops characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attr = (name: string, value: string | number) => `${name}="${xmlEscape(String(value))}"`;
const secs = (ms: number) => (ms / 1000).toFixed(3);

function checkLines(checks: CheckResult[]): string {
  return checks
    .map((c) => {
      const lines = [`[${c.waived ? 'PASS (waived)' : c.verdict}] ${c.id}: expect ${c.expect}, observed ${describeObservation(c.observation)}${c.control ? `, control ${describeObservation(c.control)}` : ''}`];
      lines.push(`  reason: ${checkReason(c)}`);
      for (const [label, o] of [['observed', c.observation], ['control', c.control]] as const) {
        if (!o) continue;
        if (o.error) lines.push(`  ${label} error: ${o.error}`);
        if (o.evidence.sent) lines.push(`  ${label} sent: ${o.evidence.sent}`);
        if (o.evidence.received) lines.push(`  ${label} received: ${o.evidence.received}`);
        for (const r of o.evidence.resources ?? []) lines.push(`  ${label} resource: ${resourceText(r)}`);
        for (const n of o.evidence.notes ?? []) lines.push(`  ${label} note: ${n}`);
      }
      return lines.join('\n');
    })
    .join('\n');
}

function testcase(o: Outcome, classname: string, ind: string): string {
  const time = o.checks.reduce((t, c) => t + (c.observation.latencyMs ?? 0) + (c.control?.latencyMs ?? 0), 0);
  const props: Array<[string, string]> = [
    ['seed', o.criterion.seed],
    ['probe', o.criterion.probe],
    ['vantage', o.criterion.vantage],
    ['expectation', o.criterion.expectation],
  ];
  if (o.criterion.severity) props.push(['severity', o.criterion.severity]);
  if (o.waiver) props.push([`waiver`, `${o.waiver.state}: ${o.waiver.owner}, expires ${o.waiver.expires}: ${o.waiver.reason}`]);
  const lines: string[] = [];
  lines.push(`${ind}<testcase ${attr('classname', classname)} ${attr('name', `${o.criterion.id}: ${o.criterion.title}`)} ${attr('time', secs(time))}>`);
  lines.push(`${ind}  <properties>`);
  for (const [k, v] of props) lines.push(`${ind}    <property ${attr('name', k)} ${attr('value', v)}/>`);
  lines.push(`${ind}  </properties>`);
  const detail = checkLines(o.checks);
  if (o.verdict === 'FAIL') {
    lines.push(`${ind}  <failure ${attr('message', o.reason)} type="FAIL">${xmlEscape(detail || o.reason)}</failure>`);
  } else if (o.verdict === 'INCONCLUSIVE') {
    lines.push(`${ind}  <error ${attr('message', o.reason)} type="INCONCLUSIVE">${xmlEscape(detail || o.reason)}</error>`);
  } else if (detail) {
    lines.push(`${ind}  <system-out>${xmlEscape(`${o.reason}\n${detail}`)}</system-out>`);
  }
  lines.push(`${ind}</testcase>`);
  return lines.join('\n');
}

/**
 * JUnit XML: one <testsuite> per scenario run (scenario or scenario/overlay), one <testcase> per
 * criterion; FAIL -> <failure>, INCONCLUSIVE -> <error>, PASS (waived included) passes. Redacted.
 */
export function renderJUnit(report: Report, opts: { redactor?: Redactor } = {}): string {
  const r = (opts.redactor ?? defaultRedactor).scrub(report);
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const s = r.summary;
  const proofs = r.proofs ?? [];
  const brokenProofs = proofs.filter((p) => !p.ok).length;
  lines.push(
    `<testsuites ${attr('name', `isoproof ${r.run.id}`)} ${attr('tests', s.total + proofs.length)} ${attr('failures', s.fail + brokenProofs)} ${attr('errors', s.inconclusive)} ${attr('skipped', 0)} ${attr('time', secs(r.durationMs))} ${attr('timestamp', r.run.startedAt)}>`,
  );
  r.scenarios.forEach((sc, i) => {
    const c = countVerdicts(sc.outcomes);
    const name = scenarioLabel(sc);
    lines.push(
      `  <testsuite ${attr('id', i)} ${attr('name', name)} ${attr('tests', c.total)} ${attr('failures', c.fail)} ${attr('errors', c.inconclusive)} ${attr('skipped', 0)} ${attr('time', secs(sc.durationMs))} ${attr('timestamp', r.run.startedAt)} ${attr('hostname', r.provider)}>`,
    );
    lines.push('    <properties>');
    const props: Array<[string, string]> = [
      ['run', r.run.id],
      ['provider', r.provider],
      ['serverVersion', r.cluster.serverVersion],
      ['scenario', sc.scenario],
    ];
    if (sc.overlay) props.push(['overlay', sc.overlay]);
    props.push(['tool', `${r.tool.name} ${r.tool.version}`]);
    for (const [k, v] of props) lines.push(`      <property ${attr('name', k)} ${attr('value', v)}/>`);
    lines.push('    </properties>');
    const classname = `isoproof.${name.replace(/\//g, '.')}`;
    for (const o of sc.outcomes) lines.push(testcase(o, classname, '    '));
    lines.push('  </testsuite>');
  });
  if (r.proofs?.length) {
    const broken = r.proofs.filter((p) => !p.ok).length;
    lines.push(
      `  <testsuite ${attr('id', r.scenarios.length)} name="overlay-proofs" ${attr('tests', r.proofs.length)} ${attr('failures', broken)} errors="0" skipped="0" time="0.000" ${attr('timestamp', r.run.startedAt)} ${attr('hostname', r.provider)}>`,
    );
    for (const p of r.proofs) {
      lines.push(`    <testcase classname="isoproof.overlay-proofs" ${attr('name', `${p.scenario}/${p.overlay} flips ${p.flips.join(', ') || 'nothing'}`)} time="0.000">`);
      if (!p.ok) lines.push(`      <failure ${attr('message', p.problems.join('; '))} type="OVERLAY_PROOF">${xmlEscape(p.problems.join('\n'))}</failure>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
