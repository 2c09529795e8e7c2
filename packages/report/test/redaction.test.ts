import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defaultRedactor } from '@isoproof/core';
import type { Report } from '../src/model';
import { renderJson } from '../src/render-json';
import { renderJUnit } from '../src/render-junit';
import { renderMarkdown } from '../src/render-markdown';
import { renderSarif } from '../src/render-sarif';
import { createConsoleReporter, renderConsole } from '../src/console';
import { writeArtifacts } from '../src/artifacts';
import { fixtureReport } from './fixture';

const SECRET = 'db-P4ssw0rd&<"tenant>';
const B64 = Buffer.from(SECRET).toString('base64');
const URLENC = encodeURIComponent(SECRET);

/** The fixture with the secret planted in evidence sent/received/notes, a resource name, a section and a reason. */
function planted(): Report {
  const r = fixtureReport();
  const sc = r.scenarios[1]!;
  const check = sc.outcomes[0]!.checks[0]!;
  check.observation.evidence.sent = `GET /api/v1/secrets?token=${URLENC}`;
  check.observation.evidence.received = `200 OK {"data":{"password":"${B64}"}}`;
  check.observation.evidence.notes = [`value read back: ${SECRET}`];
  check.observation.evidence.resources = [{ kind: 'Secret', namespace: 'tenant-a', name: `x-${SECRET}` }];
  const failing = r.scenarios[0]!.outcomes[1]!;
  failing.reason = `${failing.reason}; leaked ${SECRET}`;
  failing.checks[0]!.observation.evidence.notes = [`body echoed ${SECRET}`];
  r.scenarios[0]!.sections.push({ type: 'text', title: 'raw', body: `echo ${SECRET}` });
  return r;
}

function assertClean(name: string, text: string, hash: string): void {
  for (const form of [SECRET, B64, URLENC, 'P4ssw0rd']) {
    expect(text.includes(form), `${name} contains ${form}`).toBe(false);
  }
  expect(text.includes(hash), `${name} lacks the hash ${hash}`).toBe(true);
}

describe('redaction by construction', () => {
  defaultRedactor.register(SECRET);
  const hash = defaultRedactor.hash(SECRET);

  it('renderers never emit a registered value, only its hash', () => {
    const report = planted();
    assertClean('json', renderJson(report), hash);
    assertClean('junit', renderJUnit(report), hash);
    assertClean('markdown', renderMarkdown(report), hash);
    assertClean('sarif', renderSarif(report), hash);
    assertClean('console', renderConsole(report), hash);
  });

  it('the live console never prints it either', () => {
    const report = planted();
    let out = '';
    const stream = new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    });
    for (const isTTY of [false, true]) {
      const rep = createConsoleReporter({ stream, isTTY, intervalMs: 1 });
      rep.runStarted({ runId: report.run.id, provider: 'local' });
      for (const sc of report.scenarios) {
        rep.scenarioStarted(sc.scenario, sc.overlay);
        rep.log(`probe said ${SECRET}`);
        for (const o of sc.outcomes) rep.criterionDone(o);
        rep.scenarioDone(sc);
      }
      rep.finish(report);
    }
    expect(out).not.toContain(SECRET);
    expect(out).toContain(hash);
  });

  it('writeArtifacts writes four clean files and the step summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-art-'));
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, '# previous step\n');
    const paths = await writeArtifacts(planted(), join(dir, 'out'), { env: { GITHUB_STEP_SUMMARY: summary } });
    for (const f of [paths.json, paths.junit, paths.markdown, paths.sarif]) assertClean(f, await readFile(f, 'utf8'), hash);
    const s = await readFile(summary, 'utf8');
    expect(s.startsWith('# previous step\n# isoproof: ❌ FAIL')).toBe(true);
    assertClean('step summary', s, hash);
    expect(paths.stepSummary).toBe(summary);
  });

  it('the report object itself is not modified by rendering', () => {
    const report = planted();
    renderJson(report);
    expect(report.scenarios[1]!.outcomes[0]!.checks[0]!.observation.evidence.notes?.[0]).toContain(SECRET);
  });
});
