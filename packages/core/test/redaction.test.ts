import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedactor, defaultRedactor, redactText } from '../src/redaction';
import { newRun, RUN_ID_PATTERN } from '../src/run';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

describe('redaction', () => {
  it('hash is keyed, stable and short', () => {
    const r = createRedactor(KEY);
    expect(r.hash('s3cr3t-value')).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(r.hash('s3cr3t-value')).toBe(createRedactor(KEY).hash('s3cr3t-value'));
    expect(r.hash('s3cr3t-value')).not.toBe(createRedactor(Buffer.from('another key 123456')).hash('s3cr3t-value'));
  });

  it('replaces raw, base64, base64url and URL-encoded forms by the hash of the value', () => {
    const r = createRedactor(KEY);
    const secret = 'p@ss w0rd/+?>>';
    r.register(secret);
    const h = r.hash(secret);
    const forms = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
    ];
    for (const f of forms) {
      const out = r.redactText(`before ${f} after`);
      expect(out).toBe(`before ${h} after`);
    }
  });

  it('scrub deep-copies strings, arrays, objects, Maps, Sets and keys', () => {
    const r = createRedactor(KEY);
    r.register('topsecret');
    const h = r.hash('topsecret');
    const input = {
      a: 'x topsecret y',
      list: ['topsecret', 1, null, { deep: ['topsecret'] }],
      map: new Map<string, unknown>([['k', 'topsecret'], ['topsecret', 2]]),
      set: new Set(['topsecret']),
      n: 3,
      when: new Date(0),
      topsecret: true,
    };
    const out = r.scrub(input);
    expect(out).not.toBe(input);
    expect(input.a).toBe('x topsecret y'); // untouched original
    expect(out.a).toBe(`x ${h} y`);
    expect(out.list).toEqual([h, 1, null, { deep: [h] }]);
    expect(out.map.get('k')).toBe(h);
    expect(out.map.get(h)).toBe(2);
    expect([...out.set]).toEqual([h]);
    expect(out.when.getTime()).toBe(0);
    expect((out as Record<string, unknown>)[h]).toBe(true);
    expect(JSON.stringify(out)).not.toContain('topsecret');
  });

  it('handles cycles and errors', () => {
    const r = createRedactor(KEY);
    r.register('cyclic-secret');
    const o: Record<string, unknown> = { s: 'cyclic-secret' };
    o.self = o;
    const out = r.scrub(o);
    expect(out.self).toBe(out);
    expect(out.s).toBe(r.hash('cyclic-secret'));
    const e = r.scrub(new Error('token cyclic-secret refused'));
    expect(e.message).toBe(`token ${r.hash('cyclic-secret')} refused`);
    expect(e.stack).not.toContain('cyclic-secret');
  });

  it('does not register values shorter than 4 characters', () => {
    const r = createRedactor(KEY);
    r.register('abc');
    r.register('');
    expect(r.size).toBe(0);
    expect(r.redactText('abc abc')).toBe('abc abc');
    r.register('abcd');
    expect(r.size).toBe(1);
    expect(r.redactText('abcd')).toBe(r.hash('abcd'));
  });

  it('overlapping secrets: the longest wins', () => {
    const r = createRedactor(KEY);
    r.register('secret');
    r.register('secret-longer');
    expect(r.redactText('secret-longer secret')).toBe(`${r.hash('secret-longer')} ${r.hash('secret')}`);
  });

  it('bearer tokens and JWTs are replaced even when not registered', () => {
    const r = createRedactor(KEY);
    // Built here, never written in the source: header.payload.signature, base64url, random signature.
    const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
    const jwt = [b64url('{"alg":"RS256"}'), b64url('{"sub":"system"}'), b64url(randomBytes(32))].join('.');
    expect(r.redactText(`Authorization: Bearer abcdefgh12345678`)).toBe(`Authorization: Bearer ${r.hash('abcdefgh12345678')}`);
    expect(r.redactText(`token=${jwt}`)).not.toContain(jwt);
  });

  it('defaultRedactor and redactText', () => {
    defaultRedactor.register('process-wide-secret');
    expect(redactText('a process-wide-secret b')).toBe(`a ${defaultRedactor.hash('process-wide-secret')} b`);
  });
});

describe('newRun', () => {
  it('makes DNS-label-safe unique ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const r = newRun();
      expect(r.id).toMatch(RUN_ID_PATTERN);
      ids.add(r.id);
    }
    expect(ids.size).toBe(1000);
    expect(newRun(new Date(0)).startedAt).toBe('1970-01-01T00:00:00.000Z');
  });
});
