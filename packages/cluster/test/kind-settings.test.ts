import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KIND_ENV, resolveKindSettings } from '../src/select';

const dir = mkdtempSync(join(tmpdir(), 'isoproof-kind-settings-'));
const config = join(dir, 'kind.yaml');
writeFileSync(config, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n');

describe('kind settings: flags, else environment', () => {
  it('names the environment variables', () => {
    expect(KIND_ENV).toEqual({
      nodeImage: 'ISOPROOF_KIND_NODE_IMAGE',
      config: 'ISOPROOF_KIND_CONFIG',
      traefikImage: 'ISOPROOF_KIND_TRAEFIK_IMAGE',
      imageArchives: 'ISOPROOF_IMAGE_ARCHIVES',
    });
  });
  it('takes the environment when no flag is given (empty counts as unset)', () => {
    expect(
      resolveKindSettings({}, { ISOPROOF_KIND_NODE_IMAGE: 'isoproof.local/kind-node:x', ISOPROOF_KIND_CONFIG: config, ISOPROOF_KIND_TRAEFIK_IMAGE: 'isoproof.local/traefik:t', ISOPROOF_IMAGE_ARCHIVES: dir }),
    ).toEqual({ nodeImage: 'isoproof.local/kind-node:x', config, traefikImage: 'isoproof.local/traefik:t', imageArchives: dir });
    expect(resolveKindSettings({}, { ISOPROOF_KIND_NODE_IMAGE: '' })).toEqual({});
    expect(resolveKindSettings({}, {})).toEqual({});
  });
  it('flags win over the environment', () => {
    expect(resolveKindSettings({ nodeImage: 'flag:1' }, { ISOPROOF_KIND_NODE_IMAGE: 'env:1' })).toEqual({ nodeImage: 'flag:1' });
  });
  it('a missing config file or archive directory is one line naming the flag or variable', () => {
    expect(() => resolveKindSettings({ config: '/nope/kind.yaml' }, {})).toThrow(expect.objectContaining({ code: 'ISOPROOF_PROVIDER_CONFIG', message: 'kind config not found: /nope/kind.yaml; fix --kind-config' }));
    expect(() => resolveKindSettings({}, { ISOPROOF_KIND_CONFIG: '/nope/k.yaml' })).toThrow(/kind config not found: \/nope\/k\.yaml; fix ISOPROOF_KIND_CONFIG$/);
    expect(() => resolveKindSettings({}, { ISOPROOF_IMAGE_ARCHIVES: '/nope' })).toThrow(/image archive directory not found: \/nope; fix ISOPROOF_IMAGE_ARCHIVES$/);
    expect(() => resolveKindSettings({}, { ISOPROOF_IMAGE_ARCHIVES: config })).toThrow(/image archive directory not found/);
  });
});
