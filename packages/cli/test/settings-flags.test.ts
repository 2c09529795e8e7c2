import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, runCli } from './run-cli';


/** Runs the real CLI (bin/isoproof.js) in `cwd`; its lines on stdout and stderr. */
async function run(args: string[], cwd?: string): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const r = await runCli(args, { cwd: cwd ?? process.cwd() });
  return { code: r.code, out: lines(r.stdout), err: lines(r.stderr) };
}

const dir = () => mkdtempSync(join(tmpdir(), 'isoproof-cli-settings-'));

describe('run: --fact and --config are checked before any cluster is contacted', () => {
  it('--fact without "=" is exit 2, one line with the fix', { timeout: 90_000 }, async () => {
    const r = await run(['run', '--scenario', 'tenant-isolation', '--fact', 'ingressAddress']);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^isoproof: --fact ingressAddress: must be key=value/);
  });

  it('an invalid --config file is exit 2 naming file and line', { timeout: 90_000 }, async () => {
    const d = dir();
    writeFileSync(join(d, 'bad.yaml'), 'facts:\n  ingressAddress: 127.0.0.1:18443\ntimeouts:\n  ready: soon\n');
    const r = await run(['run', '--all', '--config', join(d, 'bad.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`isoproof: ${join(d, 'bad.yaml')}:4: timeouts.ready: must be seconds (a number) or a duration like "90s", "5m", "1h"`]);
  });

  it('isoproof.yaml in the working directory is read', { timeout: 90_000 }, async () => {
    const d = dir();
    writeFileSync(join(d, 'isoproof.yaml'), 'factz: {}\n');
    const r = await run(['run', '--all'], d);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/isoproof\.yaml:1: unknown top-level key "factz"/);
  });

  it('a per-criterion parameter for no known criterion, or one the probe family refuses, is exit 2 with the line', { timeout: 90_000 }, async () => {
    const d = dir();
    writeFileSync(join(d, 'a.yaml'), '# x\ncriteria:\n  TLS-CERT-99: { minDaysLeft: 30 }\n');
    const r = await run(['run', '--all', '--config', join(d, 'a.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toContain(`${join(d, 'a.yaml')}:3: criteria.TLS-CERT-99: no scenario has this criterion`);

    writeFileSync(join(d, 'b.yaml'), 'criteria:\n  TLS-CERT-03:\n    minDaysLeft: soon\n');
    const r2 = await run(['run', '--scenario', 'tls-endpoints', '--config', join(d, 'b.yaml')]);
    expect(r2.code).toBe(2);
    expect(r2.err[0]).toContain(`${join(d, 'b.yaml')}:2: criteria.TLS-CERT-03: `);
  });

  it('a config naming a missing waivers file is exit 2 naming the line', { timeout: 90_000 }, async () => {
    const d = dir();
    writeFileSync(join(d, 'isoproof.yaml'), 'facts: {}\nwaivers: nope.yaml\n');
    const r = await run(['run', '--all'], d);
    expect(r.code).toBe(2);
    expect(r.err[0]).toContain('isoproof.yaml:2: waivers file not found');
  });

  it('help lists --fact and --config', { timeout: 90_000 }, async () => {
    const r = await run(['run', '--help']);
    expect(r.out.join('\n')).toMatch(/--fact KEY=VALUE/);
    expect(r.out.join('\n')).toMatch(/--config FILE/);
  });
});
