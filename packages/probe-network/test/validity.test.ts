import { describe, expect, it } from 'vitest';
import type { CellResult, CellResultKind } from '../src/classify';
import type { PlanCell } from '../src/plan';
import { matrixGates } from '../src/validity';

// Issue 13: the benchmark printed "1293 cells/s" for a run where 2,872 of 3,600 cells timed out with
// no policy present. A measurement that fails its gates gives no figure.
function cell(i: number, verdict: 'allow' | 'deny'): PlanCell {
  return {
    key: `c${i}`,
    runner: { kind: 'pod', namespace: 'b', pod: `p${i % 30}` },
    host: '10.0.0.1',
    port: 8080,
    protocol: 'tcp',
    sim: { verdict } as PlanCell['sim'],
    resources: [],
    row: 'r',
    col: 'c',
  } as PlanCell;
}
const results = (cells: PlanCell[], f: (c: PlanCell, i: number) => CellResultKind) =>
  new Map<string, CellResult>(cells.map((c, i) => [c.key, { key: c.key, result: f(c, i), latencyMs: 1, detail: '' }]));

describe('matrixGates', () => {
  const open = Array.from({ length: 3600 }, (_, i) => cell(i, 'allow'));
  it('no policy, fully connected: valid', () => {
    expect(matrixGates(0, open, results(open, () => 'connected'))).toEqual([]);
  });
  it('no policy, 2,872 timeouts (an overloaded host): no figure', () => {
    const g = matrixGates(0, open, results(open, (_, i) => (i < 2872 ? 'timeout' : 'connected')));
    expect(g[0]).toBe('no-policy matrix not fully connected: 2872 of 3600 cells did not connect');
  });
  const ninety = Array.from({ length: 3600 }, (_, i) => cell(i, i < 3240 ? 'deny' : 'allow'));
  it('90% deny, enforcement proven: valid', () => {
    expect(matrixGates(90, ninety, results(ninety, (c) => (c.sim?.verdict === 'deny' ? 'timeout' : 'connected')))).toEqual([]);
  });
  it('90% deny, a denied cell connects or an allowed one times out: no figure', () => {
    const g = matrixGates(90, ninety, results(ninety, (c, i) => (i === 0 ? 'connected' : i === 3599 ? 'timeout' : c.sim?.verdict === 'deny' ? 'timeout' : 'connected')));
    expect(g).toEqual(['2 of 3600 cells of the measured round disagree with the simulation']);
  });
  it('a refused is not a proven deny; an unstable matrix is not enforced', () => {
    expect(matrixGates(90, ninety, results(ninety, (c) => (c.sim?.verdict === 'deny' ? 'refused' : 'connected')))).toHaveLength(1);
    expect(matrixGates(90, ninety, results(ninety, (c) => (c.sim?.verdict === 'deny' ? 'timeout' : 'connected')), ['c1'])[0]).toMatch(/enforcement not proven/);
  });
  it('a cell without a result is not valid', () => {
    expect(matrixGates(0, open, new Map())).toHaveLength(2);
  });
});
