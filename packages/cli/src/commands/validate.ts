import { IsoproofError } from '@isoproof/core';
import type { Io } from '../io';

/**
 * `isoproof validate DIR...`: checks scenario directories offline (each DIR a scenario directory or a
 * directory of them). One line per scenario on stdout; each problem a line on stderr; exit 0 when no
 * scenario has a problem, else 2.
 */
export async function cmdValidate(positionals: string[], io: Io): Promise<number> {
  if (positionals.length === 0) throw new IsoproofError('ISOPROOF_USAGE', "name a scenario directory: 'isoproof validate DIR'");
  const run = await import('@isoproof/run');
  let bad = 0;
  for (const p of positionals) {
    let dirs: string[];
    try {
      dirs = run.findScenarioDirs(p);
    } catch (e) {
      io.err(`isoproof: ${e instanceof Error ? e.message : String(e)}`);
      bad++;
      continue;
    }
    for (const d of dirs) {
      const r = await run.validateScenarioDir(d);
      for (const n of r.notes) io.out(`  note: ${n}`);
      if (r.problems.length === 0) {
        io.out(`ok ${r.scenario}: ${r.criteria} criteria, ${r.overlays} overlays (${r.dir})`);
        continue;
      }
      bad++;
      for (const x of r.problems) io.err(`isoproof: ${x}`);
      io.out(`invalid ${r.scenario ?? r.dir}: ${r.problems.length} problem(s)`);
    }
  }
  return bad > 0 ? 2 : 0;
}
