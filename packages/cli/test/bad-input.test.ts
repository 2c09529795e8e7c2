import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderJson } from '@isoproof/report';
import { REPO, runCli } from './run-cli';

// Every bad input of `isoproof run` and `isoproof report` ends with exit 2 and one stderr line naming
// the file and the fix, before any cluster call: the kubeconfig points at a real TCP listener that
// counts connections, and it must see none.


const cli = (args: string[]) => runCli(args, { cwd: REPO });

const tmp = mkdtempSync(join(tmpdir(), 'isoproof-bad-input-'));
const put = (name: string, text: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
let server: Server;
let connections = 0;
let kubeconfig = '';

beforeAll(async () => {
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  kubeconfig = put(
    'counting.kubeconfig',
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      `  cluster: {server: "http://127.0.0.1:${port}"}`,
      'users:',
      '- name: u',
      '  user: {token: not-a-real-token}',
      'contexts:',
      '- name: c',
      '  context: {cluster: c, user: u}',
      'current-context: c',
      '',
    ].join('\n'),
  );
});
afterAll(() => {
  server.close();
  // No case reached the "cluster".
  expect(connections).toBe(0);
});

const waivers = (criterion: string) =>
  put(`waivers-${criterion}.yaml`, `waivers:\n  - criterion: ${criterion}\n    reason: r\n    owner: o\n    expires: "2099-01-01"\n`);
const aFile = put('a-file', 'x');
const report = renderJson(
  buildReport({ run: { id: 'r0123456789', startedAt: '2026-01-01T00:00:00.000Z' }, provider: 'kind', scenarios: [], finishedAt: '2026-01-01T00:01:00.000Z' }),
);

describe('bad input of run: exit 2, one line naming the file and the fix, no cluster call', { timeout: 120_000 }, () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'waiver naming an unknown criterion',
      () => ['run', '--all', '--kubeconfig', kubeconfig, '--artifacts', join(tmp, 'a1'), '--waivers', waivers('NET-TENANT-99')],
      /^isoproof: \S+waivers-NET-TENANT-99\.yaml: waivers\[0\]\.criterion NET-TENANT-99 is not a criterion of any scenario; did you mean NET-TENANT-0\d\? \(see 'isoproof list'\)$/,
    ],
    [
      'waiver with a typo in the family',
      () => ['run', '--all', '--kubeconfig', kubeconfig, '--artifacts', join(tmp, 'a2'), '--waivers', waivers('NET-TENNAT-01')],
      /waivers-NET-TENNAT-01\.yaml: .*did you mean NET-TENANT-01\?/,
    ],
    ['--artifacts is a file', () => ['run', '--all', '--kubeconfig', kubeconfig, '--artifacts', aFile], /^isoproof: --artifacts \S+a-file: is a file, not a directory; name a directory with --artifacts DIR$/],
    [
      '--artifacts under a file',
      () => ['run', '--all', '--kubeconfig', kubeconfig, '--artifacts', join(aFile, 'out')],
      /^isoproof: --artifacts \S+a-file\/out: a parent of it is a file, not a directory; name a directory with --artifacts DIR$/,
    ],
    [
      '--artifacts not creatable',
      () => ['run', '--all', '--kubeconfig', kubeconfig, '--artifacts', '/sys/isoproof-artifacts'],
      /^isoproof: --artifacts \/sys\/isoproof-artifacts: cannot be created \(permission denied\); name a directory you can write with --artifacts DIR$/,
    ],
    [
      '--artifacts not writable',
      () => ['run', '--all', '--kubeconfig', kubeconfig, '--artifacts', '/sys/kernel'],
      /^isoproof: --artifacts \/sys\/kernel: is not writable \(permission denied\); fix its permissions or name another directory with --artifacts DIR$/,
    ],
    [
      'empty kubeconfig',
      () => ['run', '--all', '--kubeconfig', put('empty.kubeconfig', ''), '--artifacts', join(tmp, 'a3')],
      /^isoproof: kubeconfig \S+empty\.kubeconfig is empty — pass a kubeconfig file with clusters, users and contexts$/,
    ],
    [
      'malformed kubeconfig',
      () => ['run', '--all', '--kubeconfig', put('bad.kubeconfig', 'clusters: [\n  - {name: x\n'), '--artifacts', join(tmp, 'a4')],
      /^isoproof: kubeconfig \S+bad\.kubeconfig is not valid YAML: .* — fix the file or pass another with --kubeconfig$/,
    ],
    [
      'kubeconfig without clusters',
      () => ['run', '--all', '--kubeconfig', put('nocl.kubeconfig', 'apiVersion: v1\nkind: Config\n'), '--artifacts', join(tmp, 'a5')],
      /^isoproof: kubeconfig \S+nocl\.kubeconfig has no clusters/,
    ],
    [
      'unknown overlay (before the cluster call too)',
      () => ['run', '--scenario', 'tenant-isolation', '--overlay', 'no-such-overlay', '--kubeconfig', kubeconfig, '--artifacts', join(tmp, 'a6')],
      /^isoproof: scenario tenant-isolation has no overlay 'no-such-overlay'/,
    ],
  ];
  for (const [what, args, want] of cases) {
    it(what, async () => {
      const r = await cli(args());
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(want);
      expect(r.stdout).toBe('');
    });
  }
});

describe('bad report files: exit 2, one line naming the file and the fix', { timeout: 120_000 }, () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['empty', () => put('empty.json', ''), /^isoproof: \S+empty\.json: empty file, not a report\.json; regenerate it with 'isoproof run'$/],
    ['truncated', () => put('truncated.json', report.slice(0, 120)), /^isoproof: \S+truncated\.json: not valid JSON \(truncated\?\): .*; regenerate it with 'isoproof run'$/],
    ['corrupt', () => put('corrupt.json', report.replace('{', '{{')), /^isoproof: \S+corrupt\.json: not valid JSON: /],
    ['a directory', () => tmp, /^isoproof: \S+: report file is a directory; name the report\.json inside it$/],
    [
      'wrong schema version',
      () => put('v9.json', report.replace('"schemaVersion": "1.1"', '"schemaVersion": "9.0"')),
      /^isoproof: \S+v9\.json: report schemaVersion "9\.0" is not supported \(this isoproof \S+ reads 1\.0, 1\.1\); use a matching isoproof version or regenerate it with 'isoproof run'$/,
    ],
    ['not a report', () => put('other.json', '{"hello": 1}'), /^isoproof: \S+other\.json: no schemaVersion, not an isoproof report; name a report\.json written by 'isoproof run'$/],
  ];
  for (const [what, file, want] of cases) {
    it(what, async () => {
      const r = await cli(['report', file()]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(want);
    });
  }
});
