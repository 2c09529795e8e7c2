import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKube } from '../src/kubeconfig';

const tmp = mkdtempSync(join(tmpdir(), 'isoproof-kubeconfig-'));
const put = (name: string, text: string): string => {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
};
const VALID = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: c',
  '  cluster: {server: "https://127.0.0.1:6443"}',
  'users:',
  '- name: u',
  '  user: {token: not-a-real-token}',
  'contexts:',
  '- name: c',
  '  context: {cluster: c, user: u}',
  'current-context: c',
  '',
].join('\n');

describe('loadKube: a kubeconfig it cannot use is one line naming the file and the fix (no cluster call)', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['missing', join(tmp, 'nope'), /kubeconfig .*nope does not exist — check the path/],
    ['a directory', tmp, /kubeconfig .* is a directory — pass a readable kubeconfig file with --kubeconfig$/],
    ['empty', put('empty', ''), /kubeconfig .*empty is empty — pass a kubeconfig file with clusters, users and contexts$/],
    ['blank lines only', put('blank', '\n\n  \n'), /blank is empty/],
    ['not YAML', put('bad-yaml', 'clusters: [\n'), /bad-yaml is not valid YAML: .* — fix the file or pass another with --kubeconfig$/],
    ['a YAML list', put('list', '- a\n- b\n'), /list is not a kubeconfig \(a YAML list, not a mapping\) — pass a kubeconfig file$/],
    ['a scalar', put('scalar', 'hello\n'), /scalar is not a kubeconfig \(a YAML string, not a mapping\)/],
    ['no clusters', put('noclusters', 'apiVersion: v1\nkind: Config\n'), /noclusters has no clusters — not a kubeconfig\? pass the file 'kubectl config view --raw' shows$/],
    ['no current-context', put('nocontext', VALID.replace('current-context: c', '')), /nocontext has no current-context — pass --context$/],
    ['truncated', put('truncated', VALID.slice(0, 60)), /truncated (has no clusters|is malformed|is not valid YAML|names no cluster|has no current-context)/],
  ];
  for (const [what, file, want] of cases) {
    it(what, () => {
      let err: (Error & { code?: string }) | undefined;
      try {
        loadKube(file);
      } catch (e) {
        err = e as Error & { code?: string };
      }
      expect(err?.message).toMatch(want);
      expect(err?.message).not.toContain('\n');
      expect(err?.message).not.toContain('Cannot read properties');
      expect(err?.code).toBe('ISOPROOF_KUBECONFIG');
    });
  }
  it('a valid kubeconfig loads', () => {
    expect(loadKube(put('ok', VALID)).context).toBe('c');
  });
});
