import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toolVersion } from '@isoproof/report';
import { main } from '../src/main';

describe('isoproof --version', () => {
  it('prints the one tool version reports carry', async () => {
    const out: string[] = [];
    expect(await main(['--version'], { out: (s) => out.push(s), err: () => undefined })).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(out).toEqual([toolVersion()]);
    expect(out).toEqual([pkg.version]);
  });
});
