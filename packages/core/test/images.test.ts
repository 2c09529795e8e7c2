import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMAGE_PLACEHOLDERS, IMAGE_SOURCES, images } from '../src/index';
import { parseEnvFile } from '../src/images';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const env = (file: string): Record<string, string> => parseEnvFile(readFileSync(join(REPO, file), 'utf8'));

describe('the project images', () => {
  it('are read from their one source: the tags of clusters/local/versions.env and clusters/kind/versions.env', () => {
    const local = env(IMAGE_SOURCES.local);
    expect(images).toEqual({ probe: local.AGNHOST_TAG, pause: local.PAUSE_TAG, coredns: local.COREDNS_TAG, traefik: env(IMAGE_SOURCES.kind).TRAEFIK_IMAGE });
    expect(images.probe).toMatch(/^isoproof\.local\/agnhost:/);
    expect(images.pause).toMatch(/^isoproof\.local\/pause:/);
    expect(images.coredns).toMatch(/^isoproof\.local\/coredns:/);
    expect(images.traefik).toMatch(/^isoproof\.local\/traefik:/);
    expect(Object.isFrozen(images)).toBe(true);
  });

  it('are what a manifest names by placeholder', () => {
    expect(IMAGE_PLACEHOLDERS).toEqual({ ISOPROOF_PROBE_IMAGE: images.probe, ISOPROOF_PAUSE_IMAGE: images.pause });
  });

  it('parseEnvFile reads KEY=VALUE lines as the shell does for these files', () => {
    expect(parseEnvFile('# c\n\nA=1\nB="x y"\nC=\'q\'\n  D=d  \nnot a line\nE="unbalanced\n')).toEqual({ A: '1', B: 'x y', C: 'q', D: 'd', E: '"unbalanced' });
  });
});
