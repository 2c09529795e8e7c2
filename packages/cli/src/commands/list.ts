import { formatError } from '../errors';
import { type Values, bool, list, str } from '../flags';
import type { Io } from '../io';
import { knownScenarios, runSettings } from '../run-settings';

/** `isoproof list`: scenarios with their criteria and overlays (a broken scenario is reported, exit 2). */
export async function cmdList(v: Values, io: Io): Promise<number> {
  const run = await import('@isoproof/run');
  const { listOverlays } = await import('@isoproof/kube');
  const scenarios = await knownScenarios(await runSettings({ config: str(v, 'config'), scenarioDirs: list(v, 'scenario-dir') }));
  const rows = [];
  const broken: string[] = [];
  for (const s of scenarios) {
    try {
      const criteria = await run.loadScenarioCriteria(s);
      const overlays = await listOverlays(s.dir);
      rows.push({
        name: s.name,
        description: s.description,
        criteria: criteria.map((c) => ({ id: c.id, probe: c.probe, title: c.title, seed: c.seed })),
        overlays: overlays.map((o) => ({ name: o.name, description: o.description, flips: o.flips })),
      });
    } catch (err) {
      broken.push(`${s.name}: ${formatError(err, false).replace(/^isoproof: /, '')}`);
    }
  }
  // A broken scenario does not hide the others; it is reported on stderr and the exit code is 2.
  const done = (): number => {
    for (const b of broken) io.err(`isoproof: scenario ${b}`);
    return broken.length ? 2 : 0;
  };
  if (bool(v, 'json')) {
    io.out(JSON.stringify(rows, null, 2));
    return done();
  }
  if (rows.length === 0 && broken.length === 0) {
    io.out(`no scenarios under ${run.repoRoot()}/scenarios`);
    return 0;
  }
  for (const s of rows) {
    io.out(`${s.name}: ${s.description} (${s.criteria.length} criteria, ${s.overlays.length} overlays)`);
    const w = Math.max(...s.criteria.map((c) => c.id.length), 2);
    for (const c of s.criteria) io.out(`  ${c.id.padEnd(w)}  ${c.probe.padEnd(9)}  ${c.title}`);
    for (const o of s.overlays) io.out(`  overlay ${o.name}: flips ${o.flips.join(', ')}${o.description ? ` (${o.description})` : ''}`);
  }
  return done();
}
