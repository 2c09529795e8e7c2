import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READABLE_REPORT_VERSIONS, toolVersion } from '@isoproof/report';
import { runCli } from './run-cli';

/** diff, bundle and verify through the real CLI (bin/isoproof.js), on the report package's golden report.json. */
const GOLDEN = fileURLToPath(new URL('../../report/test/golden/report.json', import.meta.url));

const cli = (args: string[], cwd: string) => runCli(args, { cwd, timeoutMs: 25_000 });

let tmp: string;
let oldFile: string;
let newFile: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'isoproof-cli-report-'));
  const golden = await readFile(GOLDEN, 'utf8');
  oldFile = join(tmp, 'old.json');
  newFile = join(tmp, 'new.json');
  await writeFile(oldFile, golden);
  // NET-TENANT-01 regresses: PASS -> FAIL (summary kept consistent)
  const r = JSON.parse(golden) as { summary: { pass: number; fail: number }; scenarios: Array<{ outcomes: Array<{ criterion: { id: string }; verdict: string; reason: string }> }> };
  const o = r.scenarios[0]!.outcomes.find((x) => x.criterion.id === 'NET-TENANT-01')!;
  o.verdict = 'FAIL';
  o.reason = '1 of 2 check(s) failed: tenant-a/client -> tenant-b/server:8080/TCP: expected denied, observed allowed (connected)';
  r.summary.pass--;
  r.summary.fail++;
  await writeFile(newFile, JSON.stringify(r, null, 2));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.concurrent('isoproof diff', { timeout: 120_000 }, () => {
  it('the same report twice: exit 0', async () => {
    const r = await cli(['diff', oldFile, oldFile], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('## isoproof diff: ✅ no regression');
    expect(r.stderr).toContain('diff: 0 regressed, 0 fixed, 3 still failing, 0 new, 0 removed, 2 unchanged; exit 0');
  });
  it('a regression: exit 1, Markdown with both reasons', async () => {
    const r = await cli(['diff', oldFile, newFile], tmp);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('### Regressed (1)');
    expect(r.stdout).toContain('| ✅ PASS | ❌ FAIL | all 2 check(s) passed | 1 of 2 check(s) failed');
  });
  it('--format json --out FILE', async () => {
    const out = join(tmp, 'diff.json');
    const r = await cli(['diff', oldFile, newFile, '--format', 'json', '--out', out], tmp);
    expect(r.code).toBe(1);
    const d = JSON.parse(await readFile(out, 'utf8')) as { regression: boolean; counts: Record<string, number> };
    expect(d.regression).toBe(true);
    expect(d.counts.regressed).toBe(1);
  });
  it('bad input: exit 2 with one line', async () => {
    const v2 = join(tmp, 'v2.json');
    await writeFile(v2, (await readFile(GOLDEN, 'utf8')).replace(/"schemaVersion": "[^"]*"/, '"schemaVersion": "2.0"'));
    for (const [args, msg] of [
      [['diff', oldFile], "isoproof: name two reports: 'isoproof diff OLD.json NEW.json'"],
      [['diff', oldFile, join(tmp, 'nope.json')], `isoproof: report file not found: ${join(tmp, 'nope.json')}`],
      [['diff', oldFile, newFile, '--format', 'xml'], "isoproof: unknown format 'xml'; use --format md|json"],
      [['diff', oldFile, v2], `isoproof: ${v2}: report schemaVersion "2.0" is not supported (this isoproof ${toolVersion()} reads ${READABLE_REPORT_VERSIONS.join(', ')}); use a matching isoproof version or regenerate it with 'isoproof run'`],
    ] as const) {
      const r = await cli([...args], tmp);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe(msg);
    }
  });
});

describe('isoproof bundle and verify', () => {
  it('bundle then verify: exit 0, the verdict printed; tampering: exit 1; bad input: exit 2', async () => {
    const art = join(tmp, 'art');
    await mkdir(art);
    await writeFile(join(art, 'report.json'), await readFile(GOLDEN, 'utf8'));
    const file = join(tmp, 'proof.tar.gz');
    const b = await cli(['bundle', art, '--out', file], tmp);
    expect(b.stderr).toMatch(/^bundle of run r0123456789 \(FAIL\): 7 files, [0-9.]+ KiB\n$/);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(new RegExp(`^[0-9a-f]{64}  ${file}\\n$`));
    const sum = b.stdout.slice(0, 64);

    const v = await cli(['verify', file], tmp);
    expect(v.code).toBe(0);
    const out = v.stdout.split('\n');
    expect(out[0]).toBe(`intact: ${file}: 7 files match SHA256SUMS, none added or removed; report.json valid (schema 1.1)`);
    expect(out[1]).toBe(`sha256 ${sum}`);
    expect(out).toContain('verdict: ❌ FAIL: 5 criteria in 2 scenario run(s): 2 pass (1 waived), 1 fail, 2 inconclusive');
    expect(out.some((l) => l.startsWith('waivers: RBAC-LEAST-02 active until 2026-12-31 (team-platform)'))).toBe(true);

    const j = await cli(['verify', file, '--json'], tmp);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, problems: [], verdict: 'FAIL', run: { id: 'r0123456789' } });

    // tamper: edit a member and re-pack with the system tar
    const x = join(tmp, 'x');
    await mkdir(x);
    execFileSync('tar', ['xzf', file, '-C', x]);
    await writeFile(join(x, 'isoproof-r0123456789', 'report.md'), 'all good, trust me\n');
    const bad = join(tmp, 'bad.tar.gz');
    execFileSync('tar', ['czf', bad, '-C', x, 'isoproof-r0123456789']);
    const t = await cli(['verify', bad], tmp);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('TAMPERED or damaged: ');
    expect(t.stdout).toContain('  report.md: sha256 differs from SHA256SUMS (changed)');

    const missing = await cli(['verify', join(tmp, 'none.tar.gz')], tmp);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`isoproof: bundle not found: ${join(tmp, 'none.tar.gz')}`);
    const noOut = await cli(['bundle', art], tmp);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr.trim()).toBe('isoproof: bundle needs --out FILE.tar.gz');
    const noReport = await cli(['bundle', join(tmp, 'x'), '--out', join(tmp, 'y.tar.gz')], tmp);
    expect(noReport.code).toBe(2);
    expect(noReport.stderr.trim()).toBe(`isoproof: ${join(tmp, 'x')} has no report.json: bundle the artifacts directory of a finished 'isoproof run'`);
  }, 60_000);

  it('run --help lists --bundle; diff, bundle and verify --help list their exit codes', async () => {
    const run = await cli(['run', '--help'], tmp);
    expect(run.stdout).toContain('--bundle FILE.tar.gz');
    for (const c of ['diff', 'bundle', 'verify']) {
      const r = await cli([c, '--help'], tmp);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Exit codes');
    }
  });
});
