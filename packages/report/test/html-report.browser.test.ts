import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import { renderHtml } from '../src/render-html';
import { readReport } from '../src/render-json';
import { buildReport } from '../src/model';
import type { Report } from '../src/model';
import { fixtureReport } from './fixture';

/**
 * report.html in a real headless Chromium, loaded from file://: no console error, no request leaves
 * the file, the grids are there, unticking PASS hides every passing row. Screenshots go to
 * artifacts/html-report/ (kept as a CI artifact). Chromium: $ISOPROOF_CHROMIUM or /usr/bin/chromium;
 * a missing browser fails the test (never a skip). $ISOPROOF_HTML_REPORTS: more report.json files to
 * check (colon-separated), e.g. the ones a cluster e2e run just wrote.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OUT = resolve(process.env.ISOPROOF_HTML_ARTIFACTS ?? join(ROOT, 'artifacts', 'html-report'));
const BROWSER = process.env.ISOPROOF_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let profile: string;
let ctx: BrowserContext;

beforeAll(async () => {
  if (!existsSync(BROWSER)) throw new Error(`no Chromium at ${BROWSER}: install Debian's chromium (bash .ci/html-report-test.sh does) or set ISOPROOF_CHROMIUM`);
  await mkdir(OUT, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), 'isoproof-chromium-'));
  // A persistent context is how a fresh --user-data-dir is given to Chromium through playwright.
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: BROWSER,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 1000 },
    offline: true,
  });
});

afterAll(async () => {
  await ctx?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

interface Loaded {
  errors: string[];
  requests: string[];
  page: Awaited<ReturnType<BrowserContext['newPage']>>;
}

async function load(report: Report, name: string): Promise<Loaded> {
  const file = join(OUT, `${name}.html`);
  await writeFile(file, renderHtml(report, { redactor: createRedactor(Buffer.from('browser-test-key-0123')) }));
  const page = await ctx.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { errors, requests, page };
}

/** Elements of `sel` the page lays out (a hidden one has no client rects). */
const visible = (l: Loaded, sel: string) =>
  l.page.locator(sel).evaluateAll((els: Array<{ getClientRects(): { length: number } }>) => els.filter((e) => e.getClientRects().length > 0).length);

async function checkReport(report: Report, name: string): Promise<void> {
  const l = await load(report, name);
  try {
    expect(l.errors, 'console or page errors').toEqual([]);
    expect(l.requests, 'requests that left the file').toEqual([]);
    // the grids: at least one, each with coloured cells, wherever the report has network or RBAC
    // criteria (the truth table, the access matrix); none is due for, e.g., only TLS or admission criteria
    const gridCriteria = await l.page.locator('tbody.crit[data-probe="network"], tbody.crit[data-probe="rbac"]').count();
    const grids = await l.page.locator('table.grid').count();
    if (gridCriteria > 0) {
      expect(grids, 'grid sections').toBeGreaterThan(0);
      expect(await l.page.locator('table.grid td.cell:not(.empty)').count()).toBeGreaterThan(0);
    }
    const total = await l.page.locator('tbody.crit').count();
    const pass = await l.page.locator('tbody.crit[data-verdict="PASS"]').count();
    expect(total).toBe(report.summary.total);
    expect(pass).toBeGreaterThan(0);
    expect(await visible(l, 'tbody.crit[data-verdict="PASS"] tr.row')).toBe(pass);
    // open one criterion: its checks and evidence show
    await l.page.locator('tbody.crit button.toggle').first().click();
    expect(await visible(l, 'tr.details')).toBe(1);
    await l.page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    if (grids > 0) await l.page.locator('table.grid').first().screenshot({ path: join(OUT, `${name}-grid.png`) });
    // the filter: untick PASS, every passing row is hidden, the others stay
    await l.page.locator('#filters input[name="verdict"][value="PASS"]').uncheck();
    expect(await visible(l, 'tbody.crit[data-verdict="PASS"] tr.row')).toBe(0);
    expect(await visible(l, 'tbody.crit:not([data-verdict="PASS"]) tr.row')).toBe(total - pass);
    expect(await l.page.locator('#shown').textContent()).toBe(`${total - pass} of ${total} criteria shown`);
    expect(l.errors, 'console or page errors after filtering').toEqual([]);
  } finally {
    await l.page.close();
  }
}

describe('report.html in headless Chromium', () => {
  it('the fixture report: loads from file:// without errors, grid coloured, PASS filter hides passing rows', async () => {
    await checkReport(fixtureReport(), 'fixture');
    const html = await readFile(join(OUT, 'fixture.html'), 'utf8');
    expect(html).toContain('class="cell wrong');
  });

  // Real reports of the local cluster (test/real/): the network truth table and the RBAC access matrix.
  const REAL = join(dirname(fileURLToPath(import.meta.url)), 'real');
  it('real baseline run: a network truth table and an RBAC access matrix', async () => {
    const report = await readReport(join(REAL, 'local-baseline.report.json'));
    await checkReport(report, 'real-baseline');
    const html = await readFile(join(OUT, 'real-baseline.html'), 'utf8');
    expect(html).toContain('<table class="grid" data-kind="network"');
    expect(html).toContain('<table class="grid" data-kind="rbac"');
  });
  it('real seeded violations: contradicting network cells are red, both FAIL rows are there', async () => {
    const runs = await Promise.all(
      ['local-tenant-isolation-namespace-selector-too-broad', 'local-rbac-tenant-b-exec-into-a'].map((n) => readReport(join(REAL, `${n}.report.json`))),
    );
    const report = buildReport({ run: runs[0]!.run, provider: 'local', cluster: runs[0]!.cluster, scenarios: runs.flatMap((r) => r.scenarios), finishedAt: runs[1]!.finishedAt });
    await checkReport(report, 'real-seeded');
    const l = await load(report, 'real-seeded');
    try {
      expect(await l.page.locator('table.grid[data-kind="network"] td.cell.wrong').count()).toBeGreaterThan(0);
      expect(await l.page.locator('table.grid[data-kind="rbac"]').count()).toBeGreaterThan(0);
      expect(await l.page.locator('tbody.crit[data-verdict="FAIL"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-probe')))).toEqual(['network', 'rbac']);
      // the README's picture (docs/report-html.png): failures only, above the network grid
      await l.page.locator('#filters input[name="verdict"][value="PASS"]').uncheck();
      await l.page.screenshot({ path: join(OUT, 'readme.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: 1250 } });
      expect(l.errors).toEqual([]);
    } finally {
      await l.page.close();
    }
  });

  const extra = (process.env.ISOPROOF_HTML_REPORTS ?? '').split(':').filter(Boolean);
  for (const f of extra) {
    it(`${f}: loads without errors, grids present, PASS filter works`, async () => {
      const report = await readReport(f);
      const name = `${basename(dirname(dirname(f)))}-${basename(dirname(f))}`.replace(/[^a-z0-9-]+/gi, '-');
      await checkReport(report, name);
    });
  }
});
