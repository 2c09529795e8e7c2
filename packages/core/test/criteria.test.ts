import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CriteriaError, IsoproofError } from '../src/errors';
import { loadCriteria, parseCriteria, validateCriteria } from '../src/criteria-schema';
import { sampleCriterion } from './fixtures';

const SRC = 'scenarios/x/criteria.yaml';
const good = (over: Record<string, unknown> = {}) => sampleCriterion({ spec: { from: 'a' }, ...over });

function messageOf(data: unknown): string {
  try {
    validateCriteria(data, SRC);
  } catch (e) {
    expect(e).toBeInstanceOf(CriteriaError);
    expect(e).toBeInstanceOf(IsoproofError);
    expect((e as CriteriaError).code).toBe('ISOPROOF_INVALID_CRITERIA');
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected a CriteriaError');
}

describe('validateCriteria', () => {
  it('accepts a valid file and defaults spec', () => {
    const { spec: _s, ...noSpec } = good({ id: 'RBAC-02' });
    const out = validateCriteria({ criteria: [good(), noSpec, good({ id: 'TLS-MIN-VERSION-10', probe: 'tls', severity: 'high' })] }, SRC);
    expect(out.map((c) => c.id)).toEqual(['NET-TENANT-01', 'RBAC-02', 'TLS-MIN-VERSION-10']);
    expect(out[1]?.spec).toEqual({});
  });

  it.each<[string, unknown, string]>([
    [
      'bad id',
      { criteria: [good(), good({ id: 'NET-02' }), good({ id: 'net1' })] },
      `${SRC}: criteria[2].id: must match ^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\\d{2,}$ (got "net1")`,
    ],
    [
      'duplicate id',
      { criteria: [good(), good({ id: 'NET-02' }), good()] },
      `${SRC}: criteria[2].id: duplicate id "NET-TENANT-01" (first at criteria[0])`,
    ],
    [
      'unknown probe kind',
      { criteria: [good({ probe: 'netwrk' })] },
      `${SRC}: criteria[0].probe: unknown probe kind "netwrk" (expected one of: network, rbac, admission, workload, audit, tls, secrets)`,
    ],
    [
      'missing field',
      { criteria: [good(), { id: 'NET-02', title: 't', seed: 's', probe: 'network', vantage: 'v' }] },
      `${SRC}: criteria[1]: missing required field "expectation"`,
    ],
    ['wrong type', { criteria: [good({ title: 42 })] }, `${SRC}: criteria[0].title: must be a string (got number 42)`],
    ['spec not a mapping', { criteria: [good({ spec: ['a'] })] }, `${SRC}: criteria[0].spec: must be a mapping (got a list)`],
    ['unknown top-level key', { criteria: [good()], critera: [] }, `${SRC}: unknown top-level key "critera" (allowed: description, criteria)`],
    ['unknown criterion field', { criteria: [good({ expect: 'x' })] }, `${SRC}: criteria[0]: unknown field "expect"`],
    ['bad severity', { criteria: [good({ severity: 'urgent' })] }, `${SRC}: criteria[0].severity: must be one of: critical, high, medium, low (got "urgent")`],
    ['empty list', { criteria: [] }, `${SRC}: criteria: must have at least 1 item(s)`],
    ['criteria not a list', { criteria: { a: 1 } }, `${SRC}: criteria: must be a list (got a mapping)`],
    ['empty document', null, `${SRC}: must be a mapping with a "criteria" list (got an empty document)`],
    ['a bare list', [good()], `${SRC}: must be a mapping with a "criteria" list (got a list)`],
    ['empty title', { criteria: [good({ title: '' })] }, `${SRC}: criteria[0].title: must not be empty`],
  ])('%s', (_name, data, msg) => {
    expect(messageOf(data)).toBe(msg);
  });

  it('lists every problem and says how many more', () => {
    try {
      validateCriteria({ criteria: [good({ id: 'x1' }), good({ probe: 'y' })] }, SRC);
      expect.unreachable();
    } catch (e) {
      const err = e as CriteriaError;
      expect(err.problems).toHaveLength(2);
      expect(err.message).toMatch(/\(and 1 more\)$/);
    }
  });
});

describe('loadCriteria', () => {
  it('reads YAML; reports YAML and read errors on one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoproof-crit-'));
    const f = join(dir, 'criteria.yaml');
    await writeFile(
      f,
      `criteria:\n  - id: NET-TENANT-01\n    title: t\n    seed: s\n    probe: network\n    vantage: v\n    expectation: e\n    spec: { port: 8080 }\n`,
    );
    expect(await loadCriteria(f)).toEqual([
      { id: 'NET-TENANT-01', title: 't', seed: 's', probe: 'network', vantage: 'v', expectation: 'e', spec: { port: 8080 } },
    ]);
    await expect(loadCriteria(join(dir, 'nope.yaml'))).rejects.toThrow(`${join(dir, 'nope.yaml')}: cannot read criteria file (ENOENT)`);
    expect(() => parseCriteria('criteria: [\n  {a: 1', SRC)).toThrow(/^scenarios\/x\/criteria.yaml: not valid YAML: /);
  });
});

describe('validateCriteria with families', () => {
  const net = {
    kind: 'network' as const,
    validateSpec: (c: { spec: Record<string, unknown> }) => (typeof c.spec.from === 'string' ? [] : ['from: required (a pod selector)']),
    run: async () => new Map(),
  };
  it('runs each family validateSpec and requires a family per probe kind', () => {
    expect(validateCriteria({ criteria: [good()] }, SRC, { families: [net] })).toHaveLength(1);
    expect(() => validateCriteria({ criteria: [good({ spec: {} })] }, SRC, { families: [net] })).toThrow(
      `${SRC}: criteria[0].spec: from: required (a pod selector)`,
    );
    expect(() => validateCriteria({ criteria: [good(), good({ id: 'TLS-01', probe: 'tls' })] }, SRC, { families: [net] })).toThrow(
      `${SRC}: criteria[1].probe: no probe family "tls" in this scenario (it has: network)`,
    );
  });
});
