/**
 * Guard: every image reference of the project is written once, in its source (IMAGE_SOURCES); code
 * imports `images`, manifests write `${ISOPROOF_PROBE_IMAGE}`, scripts and workflows source the env
 * files. Searches every tracked (and untracked, not ignored) file of the repository with `git grep`;
 * Markdown is left out (the docs name the images to explain them).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMAGE_SOURCES, images } from '../src/index';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Files that may still hold a literal tag while work lands beside this guard: each entry must still
 * match, so it is removed once the file reads `images.probe` (none left).
 */
const PENDING: string[] = [];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The exact tags, and any tag of one of our image names (a version after the colon). */
const PATTERN = [...Object.values(images).map(escape), 'isoproof\\.local/(agnhost|pause|coredns|traefik|kind-node):v?[0-9]'].join('|');

function literalTags(): string[] {
  const excluded = [':!*.md', ...Object.values(IMAGE_SOURCES).map((f) => `:!${f}`)];
  const r = spawnSync('git', ['grep', '--untracked', '-nIE', PATTERN, '--', '.', ...excluded], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git grep failed (${r.status}): ${r.error?.message ?? r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

describe('image references', () => {
  const hits = literalTags();
  const file = (hit: string): string => hit.slice(0, hit.indexOf(':'));

  it('are written only in their source (import `images`, or write ${ISOPROOF_PROBE_IMAGE} in a manifest)', () => {
    expect(hits.filter((h) => !PENDING.includes(file(h)))).toEqual([]);
  });

  it('PENDING lists only files that still hold a literal tag', () => {
    for (const f of PENDING) expect(hits.map(file), `${f} no longer holds a tag: remove it from PENDING`).toContain(f);
  });
});
