import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '@isoproof/core';
import { renderJson } from '../src/render-json';
import { renderJUnit } from '../src/render-junit';
import { renderMarkdown } from '../src/render-markdown';
import { renderSarif } from '../src/render-sarif';
import { createConsoleReporter, renderConsole } from '../src/console';
import { fixtureReport } from './fixture';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

async function golden(name: string, actual: string): Promise<void> {
  const file = join(GOLDEN, name);
  if (update) {
    await mkdir(GOLDEN, { recursive: true });
    await writeFile(file, actual);
    return;
  }
  let expected: string;
  try {
    expected = await readFile(file, 'utf8');
  } catch {
    throw new Error(`golden file ${file} missing: run with UPDATE_GOLDEN=1 to create it`);
  }
  expect(actual).toBe(expected);
}

// a redactor with a fixed key and nothing registered: output depends only on the fixture
const redactor = createRedactor(Buffer.from('golden-key-0123456789'));

export function consoleTranscript(report = fixtureReport(), r = redactor): string {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  let t = 0;
  const rep = createConsoleReporter({ stream, isTTY: false, redactor: r, now: () => (t += 500) });
  rep.runStarted({ runId: report.run.id, provider: report.provider, scenarios: report.scenarios.length });
  for (const sc of report.scenarios) {
    rep.scenarioStarted(sc.scenario, sc.overlay);
    rep.log('applied 7 objects; waiting for readiness');
    const [first] = sc.outcomes;
    if (first) rep.criterionDone(first, sc.scenario);
    rep.scenarioDone(sc);
  }
  rep.finish(report);
  return out;
}

describe('golden renderings of the fixture report', () => {
  const report = fixtureReport();

  it('summary and exit code', () => {
    expect(report.summary).toEqual({ total: 5, pass: 2, fail: 1, inconclusive: 2, waived: 1, scenarios: 2 });
    expect(report.verdict).toBe('FAIL');
    expect(report.exitCode).toBe(1);
    expect(report.durationMs).toBe(60_000);
  });

  it('report.json', async () => golden('report.json', renderJson(report, { redactor })));
  it('junit.xml', async () => golden('junit.xml', renderJUnit(report, { redactor })));
  it('report.md', async () => golden('report.md', renderMarkdown(report, { redactor })));
  it('report.sarif', async () => golden('report.sarif', renderSarif(report, { redactor })));
  it('console.txt (report)', async () => golden('console.txt', renderConsole(report, { redactor })));
  it('console-progress.txt (live, CI mode)', async () => golden('console-progress.txt', consoleTranscript(report)));
});
