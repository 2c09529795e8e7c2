import { describe, expect, it } from 'vitest';
import { evaluate, evaluateCheck } from '../src/evaluate';
import type { Check, Criterion, Observation, Waiver } from '../src/model';
import { sampleCriterion } from './fixtures';

const crit: Criterion = sampleCriterion({ severity: 'critical' });

const obs = (outcome: Observation['outcome'], result: string, error?: string): Observation => ({
  outcome,
  result,
  evidence: { sent: 'connect 10.0.0.1:8080' },
  ...(error ? { error } : {}),
});
const denied = obs('denied', 'timeout');
const allowed = obs('allowed', 'connected');

const deny = (id: string, o: Observation, control?: Observation): Check => ({
  id,
  expect: 'denied',
  observation: o,
  ...(control ? { control } : {}),
});

const NOW = new Date('2026-06-15T12:00:00Z');

describe('evaluateCheck', () => {
  it.each<[string, Check, string, RegExp]>([
    ['deny + control ok', deny('a', denied, allowed), 'PASS', /denied \(timeout\); control allowed/],
    ['deny observed allowed', deny('a', allowed, allowed), 'FAIL', /^a: expected denied, observed allowed \(connected\)$/],
    ['deny observed allowed, no control: a proven violation', deny('a', allowed), 'FAIL', /expected denied/],
    ['deny without control', deny('a', denied), 'INCONCLUSIVE', /^a: no control/],
    ['control denied', deny('a', denied, obs('denied', 'timeout')), 'INCONCLUSIVE', /control failed: the probe could not have succeeded \(control denied \(timeout\)\)/],
    ['control error', deny('a', denied, obs('error', 'infra-error', 'pod not found')), 'INCONCLUSIVE', /control error: pod not found/],
    ['probe error', deny('a', obs('error', 'dns-error', 'no such host'), allowed), 'INCONCLUSIVE', /^a: probe error: no such host$/],
    ['probe error without error text', deny('a', obs('error', 'refused')), 'INCONCLUSIVE', /probe error: refused/],
    ['deny observed holds', deny('a', obs('holds', 'x'), allowed), 'INCONCLUSIVE', /unexpected observation holds \(x\) for a check expecting denied/],
    ['allowed ok', { id: 'b', expect: 'allowed', observation: allowed }, 'PASS', /allowed \(connected\) as expected/],
    ['allowed but denied', { id: 'b', expect: 'allowed', observation: denied }, 'FAIL', /^b: expected allowed, observed denied \(timeout\)$/],
    ['allowed but error', { id: 'b', expect: 'allowed', observation: obs('error', 'infra-error', 'exec failed') }, 'INCONCLUSIVE', /probe error: exec failed/],
    ['holds ok', { id: 'c', expect: 'holds', observation: obs('holds', 'TLS1.3') }, 'PASS', /holds/],
    ['holds violated', { id: 'c', expect: 'holds', observation: obs('violated', 'TLS1.0 accepted') }, 'FAIL', /expected holds, observed violated \(TLS1.0 accepted\)/],
    ['holds got allowed', { id: 'c', expect: 'holds', observation: allowed }, 'INCONCLUSIVE', /unexpected observation/],
  ])('%s', (_name, check, verdict, reason) => {
    const r = evaluateCheck(check);
    expect(r.verdict).toBe(verdict);
    expect(r.reason).toMatch(reason);
  });
});

describe('evaluate: criterion', () => {
  it('no checks -> INCONCLUSIVE no observation', () => {
    const o = evaluate(crit, [], { now: NOW });
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.reason).toMatch(/^no observation/);
    expect(o.criterion).toEqual({
      id: crit.id, title: crit.title, seed: crit.seed, probe: 'network', vantage: crit.vantage,
      expectation: crit.expectation, severity: 'critical',
    });
  });

  it('all pass -> PASS, every CheckResult has verdict and reason', () => {
    const o = evaluate(crit, [deny('a', denied, allowed), deny('b', denied, allowed)], { now: NOW });
    expect(o.verdict).toBe('PASS');
    expect(o.reason).toBe('all 2 check(s) passed');
    for (const c of o.checks) {
      expect(c.verdict).toBe('PASS');
      expect(c.reason).toBeTruthy();
    }
  });

  it('any error -> INCONCLUSIVE carrying the error', () => {
    const o = evaluate(crit, [deny('a', denied, allowed), deny('b', obs('error', 'infra-error', 'exec: container not found'), allowed)], { now: NOW });
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.reason).toContain('exec: container not found');
    expect(o.reason).toContain('b: probe error');
  });

  it('missing control -> INCONCLUSIVE', () => {
    const o = evaluate(crit, [deny('a', denied)], { now: NOW });
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.reason).toContain('no control');
  });

  it('failed control -> INCONCLUSIVE', () => {
    const o = evaluate(crit, [deny('a', denied, obs('denied', 'refused'))], { now: NOW });
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.reason).toContain('control failed: the probe could not have succeeded');
  });

  it('FAIL names the check id and the result', () => {
    const o = evaluate(crit, [deny('tenant-a/client -> tenant-b/server:8080/TCP', allowed, allowed)], { now: NOW });
    expect(o.verdict).toBe('FAIL');
    expect(o.reason).toBe('1 of 1 check(s) failed: tenant-a/client -> tenant-b/server:8080/TCP: expected denied, observed allowed (connected)');
  });

  it('precedence: FAIL beats INCONCLUSIVE beats PASS', () => {
    const pass = deny('p', denied, allowed);
    const inc = deny('i', denied);
    const fail = deny('f', allowed, allowed);
    expect(evaluate(crit, [pass, inc, fail], { now: NOW }).verdict).toBe('FAIL');
    expect(evaluate(crit, [inc, fail], { now: NOW }).verdict).toBe('FAIL');
    expect(evaluate(crit, [pass, inc], { now: NOW }).verdict).toBe('INCONCLUSIVE');
    expect(evaluate(crit, [pass], { now: NOW }).verdict).toBe('PASS');
  });

  it('FAIL reason lists at most three and counts the rest', () => {
    const checks = ['a', 'b', 'c', 'd', 'e'].map((id) => deny(id, allowed, allowed));
    const o = evaluate(crit, checks, { now: NOW });
    expect(o.reason).toMatch(/^5 of 5 check\(s\) failed: a: .*; c: .*; \+2 more$/);
  });
});

describe('evaluate: waivers', () => {
  const waiver = (over: Partial<Waiver> = {}): Waiver => ({
    criterion: 'NET-TENANT-01',
    selector: 'tenant-a/* -> tenant-b/server:8080/TCP',
    reason: 'migration window',
    owner: 'alice@example.org',
    expires: '2026-06-30',
    ...over,
  });
  const failing = deny('tenant-a/client -> tenant-b/server:8080/TCP', allowed, allowed);
  const other = deny('tenant-a/client -> tenant-c/server:8080/TCP', allowed, allowed);

  it('active matching waiver turns FAIL into PASS (waived)', () => {
    const o = evaluate(crit, [failing, deny('x', denied, allowed)], { waivers: [waiver()], now: NOW });
    expect(o.verdict).toBe('PASS');
    expect(o.reason).toBe('all 2 check(s) passed (1 waived)');
    expect(o.checks[0]?.waived).toBe(true);
    expect(o.checks[0]?.verdict).toBe('PASS');
    expect(o.checks[0]?.reason).toContain('waived by alice@example.org until 2026-06-30');
    expect(o.waiver).toEqual({ ...waiver(), state: 'active' });
  });

  it('a waiver is active through the end of its expiry day (UTC)', () => {
    const o = evaluate(crit, [failing], { waivers: [waiver({ expires: '2026-06-15' })], now: new Date('2026-06-15T23:59:59Z') });
    expect(o.verdict).toBe('PASS');
  });

  it('selector mismatch leaves FAIL', () => {
    const o = evaluate(crit, [failing, other], { waivers: [waiver()], now: NOW });
    expect(o.verdict).toBe('FAIL');
    expect(o.checks[0]?.waived).toBe(true);
    expect(o.checks[1]?.waived).toBeUndefined();
    expect(o.reason).toContain('tenant-c');
  });

  it('waiver of another criterion does not apply', () => {
    const o = evaluate(crit, [failing], { waivers: [waiver({ criterion: 'NET-TENANT-02', selector: '*' })], now: NOW });
    expect(o.verdict).toBe('FAIL');
    expect(o.waiver).toBeUndefined();
  });

  it('waiver never hides an INCONCLUSIVE check', () => {
    const o = evaluate(crit, [deny('tenant-a/x', denied)], { waivers: [waiver({ selector: '*' })], now: NOW });
    expect(o.verdict).toBe('INCONCLUSIVE');
    expect(o.waiver).toBeUndefined();
  });

  it('expired waiver -> FAIL regardless, naming date and owner', () => {
    const w = waiver({ expires: '2026-06-01' });
    const o = evaluate(crit, [deny('ok', denied, allowed)], { waivers: [w], now: NOW });
    expect(o.verdict).toBe('FAIL');
    expect(o.reason).toMatch(/^waiver expired 2026-06-01, alice@example.org/);
    expect(o.waiver).toEqual({ ...w, state: 'expired' });
    // the failing check is not waived by an expired waiver
    const o2 = evaluate(crit, [failing], { waivers: [w], now: NOW });
    expect(o2.verdict).toBe('FAIL');
    expect(o2.checks[0]?.waived).toBeUndefined();
  });

  it('expired date-time waiver', () => {
    const o = evaluate(crit, [deny('ok', denied, allowed)], { waivers: [waiver({ expires: '2026-06-15T11:59:59Z' })], now: NOW });
    expect(o.verdict).toBe('FAIL');
    expect(o.waiver?.state).toBe('expired');
  });
});
