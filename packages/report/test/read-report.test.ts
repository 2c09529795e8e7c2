import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../src/model';
import { readReport, renderJson } from '../src/render-json';
import { renderMarkdown } from '../src/render-markdown';
import { fixtureReport } from './fixture';

const tmp = mkdtempSync(join(tmpdir(), 'isoproof-read-report-'));
const good = renderJson(fixtureReport());
const put = (name: string, text: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
const v10 = (() => {
  const r = JSON.parse(good) as Record<string, unknown>;
  r.schemaVersion = '1.0';
  return JSON.stringify(r);
})();

describe('readReport: every unusable file is one message naming the file and the fix', () => {
  const dir = join(tmp, 'a-dir');
  mkdirSync(dir);
  const cases: Array<[string, string, RegExp]> = [
    ['missing', join(tmp, 'nope.json'), /nope\.json: report file not found; check the path$/],
    ['a directory', dir, /a-dir: report file is a directory; name the report\.json inside it$/],
    ['empty', put('empty.json', ''), /empty\.json: empty file, not a report\.json; regenerate it with 'isoproof run'$/],
    ['blank', put('blank.json', '  \n'), /blank\.json: empty file/],
    ['truncated', put('truncated.json', good.slice(0, 200)), /truncated\.json: not valid JSON \(truncated\?\): .*; regenerate it with 'isoproof run'$/],
    ['corrupt', put('corrupt.json', good.replace('"verdict"', '"verdict" "')), /corrupt\.json: not valid JSON: .*; regenerate it with 'isoproof run'$/],
    ['binary junk', put('junk.json', '\u0000\u0001PK'), /junk\.json: not valid JSON/],
    ['a JSON array', put('array.json', '[1,2]'), /array\.json: not an isoproof report \(a JSON array, not an object\); name a report\.json written by 'isoproof run'$/],
    ['no schemaVersion', put('noversion.json', '{"hello":1}'), /noversion\.json: no schemaVersion, not an isoproof report/],
    [
      'a newer major version',
      put('v2.json', good.replace('"schemaVersion": "1.1"', '"schemaVersion": "2.0"')),
      /v2\.json: report schemaVersion "2\.0" is not supported \(this isoproof \S+ reads 1\.0, 1\.1\); use a matching isoproof version or regenerate it with 'isoproof run'$/,
    ],
    ['a numeric version', put('vnum.json', good.replace('"schemaVersion": "1.1"', '"schemaVersion": 1')), /vnum\.json: report schemaVersion 1 is not supported/],
    ['schema mismatch', put('mismatch.json', good.replace('"verdict": "FAIL"', '"verdict": "MAYBE"')), /mismatch\.json: not a valid isoproof 1\.1 report: report\.verdict: .*; regenerate it with 'isoproof run'$/],
  ];
  if (process.getuid?.() !== 0) {
    // Root reads any file: this case only exists for other users.
    const locked = put('locked.json', good);
    chmodSync(locked, 0o000);
    cases.push(['not readable', locked, /locked\.json: report file not readable \(permission denied\); fix its permissions or run as its owner$/]);
  }
  for (const [what, file, want] of cases) {
    it(what, async () => {
      const err = await readReport(file).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
      expect(err?.message).toMatch(want);
      expect(err?.message).not.toContain('\n');
      expect(err?.code).toBe('ISOPROOF_INVALID_REPORT');
    });
  }
  it('reads its own version and 1.0 reports', async () => {
    expect((await readReport(put('ok.json', good))).schemaVersion).toBe('1.1');
    expect((await readReport(put('v10.json', v10))).schemaVersion).toBe('1.0');
  });
});

describe('interrupted reports', () => {
  it('carry the signal and the stage, validate, and say so in Markdown', async () => {
    const base = fixtureReport();
    const r = buildReport({
      run: base.run,
      tool: base.tool,
      provider: base.provider,
      cluster: base.cluster,
      scenarios: base.scenarios,
      finishedAt: base.finishedAt,
      interrupted: { signal: 'SIGTERM', during: 'tenant-isolation: readiness' },
    });
    const back = await readReport(put('interrupted.json', renderJson(r)));
    expect(back.interrupted).toEqual({ signal: 'SIGTERM', during: 'tenant-isolation: readiness' });
    expect(renderMarkdown(r)).toContain('**Interrupted** by SIGTERM during tenant-isolation: readiness: a partial report');
  });
});
