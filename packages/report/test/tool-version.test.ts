import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOOL, toolVersion } from '../src/model';

describe('toolVersion', () => {
  it('is the package version and the default tool version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(toolVersion()).toBe(pkg.version);
    expect(DEFAULT_TOOL).toEqual({ name: 'isoproof', version: pkg.version });
  });
});
