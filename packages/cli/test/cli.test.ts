import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, writeArtifacts } from '@isoproof/report';
import type { Outcome } from '@isoproof/core';
import { COMMANDS } from '../src/spec';
import { main } from '../src/main';
import { type CliResult, REPO, lines, runCli } from './run-cli';


const cli = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) =>
  runCli(args, { ...opts, cwd: opts.cwd ?? REPO, timeoutMs: opts.timeoutMs ?? 100_000 });


let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'isoproof-cli-'));
});
afterAll(() => undefined);

describe.concurrent('help', { timeout: 120_000 }, () => {
  it('top-level --help lists every command and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name}\\s`, 'm'));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stderr).toBe('');
  });
  it('no arguments prints help and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: isoproof <command>');
  });
  for (const c of COMMANDS) {
    it(`${c.name} --help lists every flag and exits 0`, async () => {
      const r = await cli([c.name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(c.usage);
      for (const f of c.flags) expect(r.stdout).toContain(`--${f.name}`);
      expect(r.stderr).toBe('');
    });
  }
  it('help <command> works too', async () => {
    const r = await cli(['help', 'sweep']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--prefix PREFIX');
  });
});

describe('help is accurate: the parser accepts every flag the help lists', () => {
  for (const c of COMMANDS) {
    it(c.name, async () => {
      const out: string[] = [];
      const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(`ERR ${s}`) };
      expect(await main([c.name, '--help'], io)).toBe(0);
      const listed = [...out.join('\n').matchAll(/^ {2}(?:-\w, | {4})--([\w-]+)( [^ ]\S*)?/gm)].map((m) => [m[1], Boolean(m[2])] as const);
      expect(listed.length).toBe(c.flags.length);
      for (const [flag, takesValue] of listed) {
        out.length = 0;
        const args = [c.name, `--${flag}`, ...(takesValue ? ['x'] : []), '--help'];
        expect(await main(args, io), `${args.join(' ')}: ${out.join(' ')}`).toBe(0);
      }
    });
  }
});

describe.concurrent('bad input: one line on stderr, exit 2, no stack', { timeout: 120_000 }, () => {
  const oneLine = (r: CliResult, pattern: RegExp) => {
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^isoproof: /);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };
  it('unknown command', async () => oneLine(await cli(['frobnicate']), /unknown command 'frobnicate'/));
  it('unknown flag', async () => oneLine(await cli(['run', '--all', '--bogus']), /unknown flag --bogus for 'run'/));
  it('unknown flag before the command', async () => oneLine(await cli(['--bogus']), /unknown flag --bogus/));
  it('flag missing its value', async () => oneLine(await cli(['run', '--all', '--artifacts']), /--artifacts needs a value/));
  it('boolean flag given a value', async () => oneLine(await cli(['run', '--all=yes']), /--all takes no value/));
  it('run without a scenario selection', async () => oneLine(await cli(['run']), /--scenario NAME .* or --all/));
  it('unknown provider', async () => oneLine(await cli(['run', '--all', '--provider', 'minikube']), /unknown provider 'minikube'/));
  it('missing kubeconfig file', async () =>
    oneLine(await cli(['run', '--all', '--kubeconfig', '/nonexistent/kubeconfig']), /kubeconfig file not found: \/nonexistent\/kubeconfig; fix --kubeconfig/));
  it('existing provider without kubeconfig', async () => oneLine(await cli(['up', '--provider', 'existing']), /needs --kubeconfig/));
  it('unknown report format', async () => oneLine(await cli(['report', 'x.json', '--format', 'pdf']), /unknown format 'pdf'/));
  it('missing report file', async () => oneLine(await cli(['report', '/nonexistent/report.json']), /report file not found/));
  it('bad run id for sweep', async () => oneLine(await cli(['sweep', '--run', 'NOPE', '--provider', 'kind']), /not a run id/));
});

describe('unreachable cluster', () => {
  it('run --kubeconfig pointing at https://127.0.0.1:1 prints exactly one line and exits 2 within seconds', async () => {
    const kc = join(tmp, 'dead.kubeconfig');
    writeFileSync(
      kc,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: dead',
        '  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}',
        'contexts:',
        '- name: dead',
        '  context: {cluster: dead, user: u}',
        'current-context: dead',
        'users:',
        '- name: u',
        '  user: {token: not-a-real-token}',
        '',
      ].join('\n'),
    );
    const r = await cli(['run', '--all', '--kubeconfig', kc, '--artifacts', join(tmp, 'art')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^isoproof: cannot reach the cluster at https:\/\/127\.0\.0\.1:1/);
    expect(r.stderr).not.toContain('not-a-real-token');
    // Seconds even on a loaded 2-core machine (the time is mostly loading the Kubernetes client).
    expect(r.ms).toBeLessThan(20_000);
    // --debug adds the stack
    const d = await cli(['run', '--all', '--kubeconfig', kc, '--debug']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/\n\s+at /);
  });
});

describe('provider unavailable', () => {
  it('run --provider kind without kind on PATH: one line, exit 2, no progress noise', async () => {
    const r = await cli(['run', '--all', '--provider', 'kind', '--artifacts', join(tmp, 'art-kind')], {
      env: { PATH: dirname(process.execPath) },
    });
    expect(r.code).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^isoproof: /);
    // With every scenario loadable, the line is about kind.
    if (!r.stderr.includes('scenario')) expect(r.stderr).toMatch(/kind is not installed/);
  });
});

describe.concurrent('kind flags (--node-image, --kind-config)', { timeout: 120_000 }, () => {
  const noKind = { PATH: dirname(process.execPath) };
  it('are for the kind provider only', async () => {
    const r = await cli(['up', '--provider', 'local', '--node-image', 'x:1'], { env: noKind });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['isoproof: --node-image is for --provider kind, not local']);
    const e = await cli(['run', '--all', '--kubeconfig', join(REPO, 'package.json'), '--kind-config', join(REPO, 'clusters/kind/isoproof.yaml')], { env: noKind });
    expect(e.code).toBe(2);
    expect(lines(e.stderr)).toEqual(['isoproof: --kind-config is for --provider kind, not existing']);
  });
  it('a missing --kind-config file is one line, exit 2', async () => {
    const r = await cli(['up', '--provider', 'kind', '--kind-config', join(tmp, 'nope.yaml')], { env: noKind });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([`isoproof: kind config not found: ${join(tmp, 'nope.yaml')}; fix --kind-config`]);
  });
  it('a missing ISOPROOF_KIND_CONFIG file is one line naming the variable, exit 2', async () => {
    const r = await cli(['up', '--provider', 'kind'], { env: { ...noKind, ISOPROOF_KIND_CONFIG: join(tmp, 'gone.yaml') } });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([`isoproof: kind config not found: ${join(tmp, 'gone.yaml')}; fix ISOPROOF_KIND_CONFIG`]);
  });
  it('given and valid, the run gets as far as kind itself', async () => {
    const r = await cli(['up', '--provider', 'kind', '--node-image', 'isoproof.local/kind-node:x', '--kind-config', join(REPO, 'clusters/kind/isoproof.yaml')], { env: noKind });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kind is not installed/);
  });
  it('down ignores a stale ISOPROOF_KIND_CONFIG (deleting needs none)', async () => {
    const r = await cli(['down', '--provider', 'kind'], { env: { ...noKind, ISOPROOF_KIND_CONFIG: join(tmp, 'gone.yaml') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kind is not installed/);
  });
});

describe('list and report', () => {
  it('list exits 0 and shows scenarios (or says there are none)', async () => {
    // Exit 2 only when a scenario is broken: each one is then one stderr line naming it.
    const r = await cli(['list']);
    expect([0, 2], r.stderr).toContain(r.code);
    if (r.code === 2) for (const l of lines(r.stderr)) expect(l).toMatch(/^isoproof: scenario [a-z0-9-]+: /);
    else expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\(\d+ criteria, \d+ overlays\)|no scenarios/);
    const j = await cli(['list', '--json']);
    expect([0, 2]).toContain(j.code);
    const parsed = JSON.parse(j.stdout) as Array<{ name: string; criteria: unknown[]; overlays: unknown[] }>;
    expect(Array.isArray(parsed)).toBe(true);
    for (const s of parsed) expect(s.criteria.length).toBeGreaterThan(0);
  });

  it('report re-renders a report.json in every format', async () => {
    const outcome = (id: string, verdict: Outcome['verdict']): Outcome => ({
      criterion: { id, title: `title ${id}`, seed: '001', probe: 'network', vantage: 'pod a', expectation: 'times out' },
      verdict,
      reason: verdict === 'PASS' ? 'all 1 check(s) passed' : 'connected where a timeout was due',
      checks: [],
    });
    const report = buildReport({
      run: { id: 'r0123456789', startedAt: '2026-01-01T00:00:00.000Z' },
      tool: { name: 'isoproof', version: '0.1.0' },
      provider: 'kind',
      cluster: { serverVersion: 'v1.34.0' },
      scenarios: [{ scenario: 'tenant-isolation', outcomes: [outcome('NET-TENANT-01', 'PASS'), outcome('NET-TENANT-02', 'FAIL')], sections: [], durationMs: 1200 }],
      finishedAt: '2026-01-01T00:01:00.000Z',
    });
    const dir = join(tmp, 'rep');
    const paths = await writeArtifacts(report, dir, { env: {} });

    const con = await cli(['report', paths.json]);
    expect(con.code, con.stderr).toBe(0);
    expect(con.stdout).toContain('NET-TENANT-02 title NET-TENANT-02: connected where a timeout was due');
    expect(con.stdout).toContain('FAIL: 2 criteria');
    const md = await cli(['report', paths.json, '--format', 'md']);
    expect(md.stdout).toMatch(/^# isoproof: /);
    const junit = await cli(['report', paths.json, '--format', 'junit']);
    expect(junit.stdout).toContain('<testsuites');
    const out = join(tmp, 'out.sarif');
    const sarif = await cli(['report', paths.json, '--format', 'sarif', '--out', out]);
    expect(sarif.code, sarif.stderr).toBe(0);
    expect(JSON.parse((await import('node:fs')).readFileSync(out, 'utf8')).version).toBe('2.1.0');
  });

  it('report rejects a file that is not a report', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = await cli(['report', bad]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
  });
});
