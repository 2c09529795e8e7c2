import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Criterion, ProbeFamily } from '@isoproof/core';
import { checkCriterionIds, resolveSettings } from '../src/index';
import { ConfigError, durationMs, parseConfig } from '../src/config-file';
import { describeFacts, mergeFacts, parseFactFlags, parseFactsJson, withCriterionParams } from '../src/settings';

const dir = () => mkdtempSync(join(tmpdir(), 'isoproof-settings-'));

/** The message of what `fn` throws. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

describe('config file', () => {
  it('reads facts (stringified), tls files as facts, waivers and scenario dirs relative to the file, timeouts', () => {
    const c = parseConfig(
      [
        'facts:',
        '  ingressAddress: 127.0.0.1:18443',
        '  podNetworkFromHost: true',
        '  retries: 3',
        'tls:',
        '  caFile: ca.pem',
        'waivers: ../w.yaml',
        'scenarioDirs: [mine, /abs/other]',
        'criteria:',
        '  TLS-CERT-03: { minDaysLeft: 30 }',
        'timeouts: { ready: 5m, apply: 90, family: "1500ms" }',
      ].join('\n'),
      '/etc/isoproof/isoproof.yaml',
    );
    expect(c.facts).toEqual({ ingressAddress: '127.0.0.1:18443', podNetworkFromHost: 'true', retries: '3', tlsCaFile: '/etc/isoproof/ca.pem' });
    expect(c.waiversFile).toBe('/etc/w.yaml');
    expect(c.scenarioDirs).toEqual(['/etc/isoproof/mine', '/abs/other']);
    expect(c.criteria).toEqual({ 'TLS-CERT-03': { minDaysLeft: 30 } });
    expect(c.timeouts).toEqual({ ready: 300_000, apply: 90_000, family: 1500 });
    expect(c.where(['criteria', 'TLS-CERT-03'])).toBe('/etc/isoproof/isoproof.yaml:10');
  });

  it('tls.endpoints become the tlsEndpoints fact, CA files resolved against the config file', () => {
    const c = parseConfig(
      ['tls:', '  endpoints:', '    - { host: www.example.com, address: 10.0.0.5:443, caFile: ca.pem, scenarios: [my-tls] }', '    - { host: api.example.com, scenarios: [my-tls] }'].join('\n'),
      '/etc/isoproof/isoproof.yaml',
    );
    expect(JSON.parse(c.facts.tlsEndpoints!)).toEqual([
      { host: 'www.example.com', address: '10.0.0.5:443', caFile: '/etc/isoproof/ca.pem', scenarios: ['my-tls'] },
      { host: 'api.example.com', scenarios: ['my-tls'] },
    ]);
    expect(thrown(() => parseConfig('tls:\n  endpoints:\n    - host: a.example.com\n      address: nope\n      scenarios: [x]\n', 'c.yaml'))).toMatch(/^c\.yaml:4: tls\.endpoints\[0\]\.address: must match/);
    expect(thrown(() => parseConfig('tls:\n  endpoints:\n    - host: a.example.com\n', 'c.yaml'))).toMatch(/^c\.yaml:3: tls\.endpoints\[0\]: missing required field "scenarios"/);
  });

  it('an empty file is no settings', () => {
    const c = parseConfig('', 'isoproof.yaml');
    expect(c.facts).toEqual({});
    expect(c.timeouts).toEqual({});
  });

  it.each([
    ['facts:\n  a: 1\nfactz:\n  b: 2\n', 'c.yaml:3: unknown top-level key "factz"'],
    ['facts:\n  ok: 1\n  "bad key": x\n', 'c.yaml:3: facts: "bad key" is not a fact name'],
    ['facts:\n  a: [1, 2]\n', 'c.yaml:2: facts.a: must be'],
    ['timeouts:\n  ready: soon\n', 'c.yaml:2: timeouts.ready: must be seconds (a number) or a duration like "90s"'],
    ['timeouts:\n  readyy: 5\n', 'c.yaml:2: timeouts: unknown field "readyy"'],
    ['criteria:\n  tls-cert-03: {}\n', 'c.yaml:2: criteria: "tls-cert-03" is not a criterion id'],
    ['tls:\n  ca: x\n', 'c.yaml:2: tls: unknown field "ca"'],
    ['facts: [a]\n', 'c.yaml:1: facts: must be a mapping'],
    ['facts:\n  a: 1\n b: [\n', 'c.yaml:3: not valid YAML'],
    ['- a\n', 'c.yaml:1: must be a mapping'],
  ])('%j -> one line naming file and line', (text, want) => {
    const msg = thrown(() => parseConfig(text, 'c.yaml'));
    expect(msg).toContain(want);
    expect(msg).not.toContain('\n');
  });

  it('errors are ConfigError with code ISOPROOF_INVALID_CONFIG', () => {
    try {
      parseConfig('nope: 1', 'c.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code).toBe('ISOPROOF_INVALID_CONFIG');
    }
  });

  it('durations', () => {
    expect(durationMs(2)).toBe(2000);
    expect(durationMs('2m')).toBe(120_000);
    expect(durationMs('1h')).toBe(3_600_000);
    expect(durationMs('250ms')).toBe(250);
  });
});

describe('facts', () => {
  it('--fact key=value, the value may hold "=", a later flag wins', () => {
    expect(parseFactFlags(['a=1', 'b=x=y', 'a=2', 'e='])).toEqual({ a: '2', b: 'x=y', e: '' });
  });
  it.each([['noequals'], ['=v'], ['bad key=v']])('%j is refused with the fix', (f) => {
    expect(thrown(() => parseFactFlags([f]))).toMatch(/must be key=value/);
  });
  it('ISOPROOF_FACTS JSON', () => {
    expect(parseFactsJson('{"a":"1","b":2}', 'ISOPROOF_FACTS')).toEqual({ a: '1', b: '2' });
    expect(thrown(() => parseFactsJson('{', 'ISOPROOF_FACTS'))).toMatch(/^ISOPROOF_FACTS: not valid JSON/);
    expect(thrown(() => parseFactsJson('[1]', 'ISOPROOF_FACTS'))).toMatch(/must be a JSON object/);
  });
  it('the user wins over the provider; the log line names facts by origin, never values', () => {
    expect(mergeFacts({ a: 'p', b: 'p' }, { b: 'u' })).toEqual({ a: 'p', b: 'u' });
    const line = describeFacts({ a: 'p', b: 'p' }, { facts: { b: 'secret-value', c: 'x' }, factSources: { b: 'flag', c: 'config' } });
    expect(line).toBe('facts: flags: b; config: c; provider: a');
    expect(line).not.toContain('secret-value');
  });
});

describe('resolveSettings: flags > config file', () => {
  it('reads isoproof.yaml from the working directory; --fact overrides it; waivers from the config', async () => {
    const d = dir();
    writeFileSync(join(d, 'isoproof.yaml'), 'facts:\n  a: config\n  b: config\nwaivers: w.yaml\ntimeouts: { ready: 10 }\n');
    writeFileSync(join(d, 'w.yaml'), 'waivers: []\n');
    const s = await resolveSettings({ cwd: d, factFlags: ['b=flag'] });
    expect(s.facts).toEqual({ a: 'config', b: 'flag' });
    expect(s.factSources).toEqual({ a: 'config', b: 'flag' });
    expect(s.waiversFile).toBe(join(d, 'w.yaml'));
    expect(s.timeouts).toEqual({ ready: 10_000 });
  });

  it('--config names another file; --waivers beats the config; waivers.yaml is the last default', async () => {
    const d = dir();
    writeFileSync(join(d, 'other.yaml'), 'waivers: w.yaml\n');
    writeFileSync(join(d, 'w.yaml'), '');
    writeFileSync(join(d, 'flag.yaml'), '');
    writeFileSync(join(d, 'waivers.yaml'), '');
    expect((await resolveSettings({ cwd: d, configFile: 'other.yaml' })).waiversFile).toBe(join(d, 'w.yaml'));
    expect((await resolveSettings({ cwd: d, configFile: 'other.yaml', waiversFile: 'flag.yaml' })).waiversFile).toBe(join(d, 'flag.yaml'));
    expect((await resolveSettings({ cwd: d })).waiversFile).toBe(join(d, 'waivers.yaml'));
  });

  it('a missing --config file or a config naming a missing waivers file is an error naming it', async () => {
    const d = dir();
    await expect(resolveSettings({ cwd: d, configFile: 'nope.yaml' })).rejects.toThrow(/nope\.yaml: cannot read the config file \(ENOENT\)/);
    writeFileSync(join(d, 'isoproof.yaml'), '# settings\nwaivers: gone.yaml\n');
    await expect(resolveSettings({ cwd: d })).rejects.toThrow(/isoproof\.yaml:2: waivers file not found/);
  });

  it('the e2e helper reads no implicit isoproof.yaml', async () => {
    const d = dir();
    writeFileSync(join(d, 'isoproof.yaml'), 'facts: { a: config }\n');
    expect((await resolveSettings({ cwd: d, noImplicitConfig: true, facts: { b: 'env' } })).facts).toEqual({ b: 'env' });
  });
});

describe('per-criterion parameters', () => {
  const crit = (id: string, spec: Record<string, unknown>): Criterion => ({
    id,
    title: 't',
    seed: 's',
    probe: 'tls',
    vantage: 'v',
    expectation: 'e',
    spec,
  });
  const family: ProbeFamily = {
    kind: 'tls',
    validateSpec: (c) => (typeof c.spec.minDaysLeft === 'number' ? [] : ['minDaysLeft: must be a number']),
    run: async () => new Map(),
  };
  const where = (id: string) => `isoproof.yaml:${id === 'TLS-CERT-03' ? 7 : 1}`;

  it('merge over the spec; other criteria are untouched', () => {
    const out = withCriterionParams([crit('TLS-CERT-03', { check: 'expiry', minDaysLeft: 14 }), crit('TLS-CERT-04', { minDaysLeft: 1 })], { values: { 'TLS-CERT-03': { minDaysLeft: 30 } }, where }, [family]);
    expect(out[0]!.spec).toEqual({ check: 'expiry', minDaysLeft: 30 });
    expect(out[1]!.spec).toEqual({ minDaysLeft: 1 });
  });
  it('a value the family refuses names the config line', () => {
    expect(thrown(() => withCriterionParams([crit('TLS-CERT-03', { minDaysLeft: 14 })], { values: { 'TLS-CERT-03': { minDaysLeft: 'x' } }, where }, [family]))).toBe(
      'isoproof.yaml:7: criteria.TLS-CERT-03: minDaysLeft: must be a number',
    );
  });
  it('an unknown criterion id is an error', () => {
    expect(thrown(() => checkCriterionIds({ values: { 'TLS-CERT-99': {} }, where }, ['TLS-CERT-03']))).toMatch(/isoproof\.yaml:1: criteria\.TLS-CERT-99: no scenario has this criterion/);
  });
});
