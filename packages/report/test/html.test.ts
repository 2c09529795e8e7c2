import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import { writeArtifacts } from '../src/artifacts';
import { htmlEscape, renderHtml } from '../src/render-html';
import { fixtureReport } from './fixture';

const redactor = createRedactor(Buffer.from('html-test-key-0123456789'));

describe('report.html', () => {
  it('is self-contained: no URL to fetch, a CSP that forbids every network source', () => {
    const html = renderHtml(fixtureReport(), { redactor });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\b(fetch|XMLHttpRequest|import)\s*\(/);
  });

  it('has the summary, one row group per criterion with its verdict, scenario and probe, and the filters', () => {
    const r = fixtureReport();
    const html = renderHtml(r, { redactor });
    const groups = [...html.matchAll(/<tbody class="crit" data-verdict="(\w+)" data-scenario="([^"]+)" data-probe="(\w+)"/g)].map((m) => m.slice(1).join(' '));
    expect(groups).toEqual([
      'PASS tenant-isolation network',
      'FAIL tenant-isolation network',
      'INCONCLUSIVE tenant-isolation network',
      'WAIVED rbac-least-privilege rbac',
      'INCONCLUSIVE rbac-least-privilege rbac',
    ]);
    for (const v of ['FAIL', 'INCONCLUSIVE', 'WAIVED', 'PASS']) expect(html).toContain(`name="verdict" value="${v}"`);
    expect(html).toContain('<option>tenant-isolation</option>');
    expect(html).toContain('<option>rbac</option>');
    expect(html).toContain('received: <code>no answer within 2000 ms</code>');
  });

  it('network truth table: expected vs observed per cell, contradictions and simulator disagreements marked', () => {
    const r = fixtureReport();
    r.scenarios[0]!.sections = [
      {
        type: 'grid',
        title: 'Network truth table: tenant-isolation',
        rowLabels: ['tenant-a/client', 'tenant-b/client'],
        colLabels: ['tenant-a/server:8080', 'tenant-a/db:5432', 'tenant-b/server:8080'],
        cells: [
          ['.', 'X', ''],
          ['.!~', '?', '?'],
        ],
        legend: '. allowed (connected)  X denied (timeout)  ? error  ! the cell differs from the criteria  ~ the cluster differs from the NetworkPolicy simulation',
      },
    ];
    const html = renderHtml(r, { redactor });
    expect(html).toContain('data-kind="network" data-wrong="1" data-sim="1"');
    expect(html).toContain(
      '<td class="cell wrong sim obs-allowed" title="tenant-b/client → tenant-a/server:8080: expected denied, observed allowed; the NetworkPolicy simulation disagrees with the cluster"><span class="o">allowed</span><span class="x">exp denied</span><span class="s">≠ sim</span></td>',
    );
    // expectation of an error cell comes from the criteria's check with the same key
    expect(html).toContain('tenant-b/client → tenant-a/db:5432: expected denied, observed error');
    expect(html).toContain('tenant-b/client → tenant-b/server:8080: expected unknown, observed error');
    expect(html).toContain('<td class="cell obs-denied" title="tenant-a/client → tenant-a/db:5432: expected denied, observed denied">');
    expect(html).toContain('<td class="cell empty" title="not probed"></td>');
  });

  it('RBAC access matrix cells are coloured by state; a forbidden-but-allowed cell is red', () => {
    const r = fixtureReport();
    r.scenarios[1]!.sections = [
      {
        type: 'grid',
        title: 'Access matrix: ServiceAccount tenant-a/app in namespace tenant-a',
        rowLabels: ['pods', 'secrets'],
        colLabels: ['get', 'list'],
        cells: [
          ['✓', '·'],
          ['✓!', '?≠'],
        ],
        legend: '✓ allowed · denied ? error',
      },
    ];
    const html = renderHtml(r, { redactor });
    expect(html).toContain('<table class="grid" data-kind="rbac" data-wrong="1" data-sim="1">');
    expect(html).toContain('<td class="cell obs-allowed" title="pods → get: ✓">✓</td>');
    expect(html).toContain('<td class="cell obs-denied" title="pods → list: ·">·</td>');
    expect(html).toContain('<td class="cell wrong obs-allowed" title="secrets → get: ✓!">✓</td>');
    expect(html).toContain('<td class="cell sim obs-error" title="secrets → list: ?≠">?≠</td>');
  });

  it('an interrupted run says so at the top', () => {
    const r = fixtureReport();
    expect(renderHtml(r, { redactor })).not.toContain('class="interrupted"');
    r.interrupted = { signal: 'SIGINT', during: 'tenant-isolation: readiness' };
    expect(renderHtml(r, { redactor })).toContain(
      '<p class="interrupted">Interrupted by SIGINT during tenant-isolation: readiness: the report is partial; criteria the run did not decide are INCONCLUSIVE.</p>',
    );
  });

  it('escapes everything from the report (no markup injection)', () => {
    const r = fixtureReport();
    r.scenarios[0]!.outcomes[0]!.criterion.title = '<script>alert(1)</script> "quoted"';
    const html = renderHtml(r, { redactor });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain(htmlEscape('<script>alert(1)</script> "quoted"'));
    expect(htmlEscape(`<a href='x'>&"`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
  });

  it('every run writes report.html beside report.json, redacted like every output', async () => {
    const r = createRedactor(Buffer.from('html-test-key-0123456789'));
    r.register('hunter2-secret-value');
    const report = fixtureReport();
    report.scenarios[0]!.outcomes[0]!.checks[0]!.observation.evidence.received = 'body: hunter2-secret-value';
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-html-'));
    const paths = await writeArtifacts(report, dir, { redactor: r, env: {} });
    expect(paths.html).toBe(join(dir, 'report.html'));
    const html = await readFile(paths.html, 'utf8');
    expect(html).toContain('<!doctype html>');
    expect(html).not.toContain('hunter2-secret-value');
    expect(html).toContain(r.hash('hunter2-secret-value'));
  });
});
