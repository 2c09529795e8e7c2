import { describe, expect, it } from 'vitest';
import { images as source } from '@isoproof/core';
import { archiveTags, dockerSaveArgs, linuxPlatform, normalizeImageRef, PROJECT_IMAGES, pullable } from '../src/kind/images';
import { apiAtLeast, nodeHasImageArgs } from '../src/kind/images';

describe('the project images', () => {
  it('are AGNHOST_TAG and PAUSE_TAG of clusters/local/versions.env, in that order', () => {
    expect(PROJECT_IMAGES).toHaveLength(2);
    expect(PROJECT_IMAGES[0]).toMatch(/^isoproof\.local\/agnhost:/);
    expect(PROJECT_IMAGES[1]).toMatch(/^isoproof\.local\/pause:/);
    expect(PROJECT_IMAGES).toEqual([source.probe, source.pause]);
  });
});

describe('image names and archives', () => {
  it.each([
    ['traefik:v3.6.12', 'docker.io/library/traefik:v3.6.12'],
    ['traefik', 'docker.io/library/traefik:latest'],
    ['rancher/x:1', 'docker.io/rancher/x:1'],
    [source.probe, source.probe],
    ['localhost:5000/a', 'localhost:5000/a:latest'],
    ['registry.k8s.io/pause:3.10@sha256:abc', 'registry.k8s.io/pause:3.10@sha256:abc'],
    ['kindest/node@sha256:abc', 'docker.io/kindest/node@sha256:abc'],
  ])('normalizeImageRef(%s) = %s', (ref, want) => {
    expect(normalizeImageRef(ref)).toBe(want);
  });

  it('archiveTags reads RepoTags of a docker-save manifest.json', () => {
    expect(archiveTags('[{"Config":"c","RepoTags":["a:1","b:2"],"Layers":[]},{"RepoTags":null}]')).toEqual(['a:1', 'b:2']);
    expect(archiveTags('not json')).toEqual([]);
    expect(archiveTags('{}')).toEqual([]);
  });

  it('never pulls our own images', () => {
    expect(pullable(source.probe)).toBe(false);
    expect(pullable('traefik:v3.6.12')).toBe(true);
  });
});

describe('docker save for kind load (kind#3795)', () => {
  it('saves only the node platform where the engine knows --platform (API >= 1.48)', () => {
    expect(dockerSaveArgs('traefik:v3.6.12', '/t/i.tar', { apiVersion: '1.48', platform: 'linux/amd64' })).toEqual([
      'save',
      '--platform',
      'linux/amd64',
      '-o',
      '/t/i.tar',
      'traefik:v3.6.12',
    ]);
    expect(dockerSaveArgs('traefik:v3.6.12', '/t/i.tar', { apiVersion: '1.51', platform: 'linux/arm64' })).toContain('linux/arm64');
    // Debian's docker.io 20.10 (API 1.41, classic store, single-platform images): plain save
    expect(dockerSaveArgs('a:1', '/t/i.tar', { apiVersion: '1.41', platform: 'linux/amd64' })).toEqual(['save', '-o', '/t/i.tar', 'a:1']);
  });
  it.each([
    ['1.48', '1.48', true],
    ['1.50', '1.48', true],
    ['1.41', '1.48', false],
    ['2.0', '1.48', true],
    ['1.9', '1.48', false],
  ])('apiAtLeast(%s, %s) = %s', (v, min, want) => {
    expect(apiAtLeast(v, min)).toBe(want);
  });
  it.each([
    ['x86_64', 'linux/amd64'],
    ['amd64', 'linux/amd64'],
    ['x64', 'linux/amd64'],
    ['aarch64', 'linux/arm64'],
    ['arm64', 'linux/arm64'],
    ['s390x', 'linux/s390x'],
  ])('linuxPlatform(%s) = %s', (arch, want) => {
    expect(linuxPlatform(arch)).toBe(want);
  });
  it('asks the node through docker exec and crictl', () => {
    expect(nodeHasImageArgs('isoproof-a-control-plane', 'traefik:v3.6.12')).toEqual(['exec', 'isoproof-a-control-plane', 'crictl', 'inspecti', 'traefik:v3.6.12']);
  });
});
