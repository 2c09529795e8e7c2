/**
 * The GitHub workflows and the kind action, read as text: what KIND-NOTES found wrong there must not
 * come back. Raw `kind export logs` uploaded pod logs carrying a live token (the token-in-logs
 * overlay prints one); `kind load docker-image` of a multi-arch image fails with Docker's containerd
 * image store (kind#3795); an unpinned node image may be a build for another kind release.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const files = [
  ...readdirSync(join(REPO, '.github/workflows')).map((f) => join('.github/workflows', f)),
  '.github/actions/kind-cluster/action.yml',
];
/** Lines that are not YAML/shell comments. */
const code = (f: string) =>
  readFileSync(join(REPO, f), 'utf8')
    .split('\n')
    .map((l, i) => ({ l, n: i + 1 }))
    .filter(({ l }) => !/^\s*#/.test(l));

describe('GitHub workflows and the kind action', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  it('never run `kind export logs` (only isoproof\'s redacted export, `isoproof down --logs`)', () => {
    const hits = files.flatMap((f) => code(f).filter(({ l }) => /kind\s+export\s+logs/.test(l)).map(({ n }) => `${f}:${n}`));
    expect(hits).toEqual([]);
  });
  it('never `kind load docker-image` (the provider loads through docker save --platform + kind load image-archive)', () => {
    const hits = files.flatMap((f) => code(f).filter(({ l }) => /kind\s+load\s+docker-image/.test(l)).map(({ n }) => `${f}:${n}`));
    expect(hits).toEqual([]);
  });
  it('pin every kindest/node image by digest', () => {
    const refs = files.flatMap((f) => code(f).flatMap(({ l }) => l.match(/kindest\/node[^\s'"]*/g) ?? []));
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toMatch(/^kindest\/node:v1\.34\.\d+@sha256:[0-9a-f]{64}$/);
  });
  it('the kind action gives the node image to the provider and checks Traefik in its namespace', () => {
    const action = readFileSync(join(REPO, '.github/actions/kind-cluster/action.yml'), 'utf8');
    expect(action).toContain('ISOPROOF_KIND_NODE_IMAGE: ${{ inputs.node-image }}');
    expect(action).toContain('kubectl -n isoproof-system rollout status deployment/traefik');
    expect(action).not.toContain('isoproof-ingress');
  });
});
