import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const EXAMPLE = fileURLToPath(new URL('../../../docs/examples/team-isolation', import.meta.url));

async function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** The example scenario copied outside the repository. */
function copy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'isoproof-cli-validate-')), 'team-isolation');
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

describe('isoproof validate and --scenario-dir', () => {
  it('validate exits 0 on a good scenario kept outside the repository', { timeout: 90_000 }, async () => {
    const r = await run(['validate', copy()]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ok team-isolation: 3 criteria, 1 overlays/m);
  });

  it('validate exits 2 on a broken one, each problem a line on stderr', { timeout: 90_000 }, async () => {
    const dir = copy();
    writeFileSync(join(dir, 'overlays/red-open-to-all/overlay.yaml'), 'description: x\nflips: [TEAM-ISO-01]\n');
    const r = await run(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([
      'isoproof: overlay red-open-to-all: the simulation predicts TEAM-ISO-01 PASS, but the overlay says it flips them',
      'isoproof: overlay red-open-to-all: the simulation predicts TEAM-ISO-02 FAIL too; add them to flips or narrow the overlay',
    ]);
  });

  it('list --scenario-dir shows the data scenario next to the bundled ones; a missing dir is exit 2', { timeout: 90_000 }, async () => {
    const dir = copy();
    const r = await run(['list', '--scenario-dir', join(dir, '..')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^team-isolation: Two teams, red and blue.*\(3 criteria, 1 overlays\)$/m);
    expect(r.out).toMatch(/^tenant-isolation: /m);
    const bad = await run(['run', '--scenario-dir', join(dir, 'nope'), '--scenario', 'team-isolation']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^isoproof: .*nope: scenario directory not found; fix --scenario-dir$/m);
  });
});
