import { createRedactor } from '@isoproof/core';
import { describe, expect, it } from 'vitest';
import { isIdentityValue } from '../src/allowlist';
import { registerSecretValues } from '../src/register-secret-values';
import { mixed } from './fakes';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('registerSecretValues', () => {
  it('registers every secret value of a Secret, in clear and base64, but not identity values', () => {
    const r = createRedactor();
    const pw = `pw-${mixed(20)}`;
    const plainWord = 'correct-horse-battery-staple';
    registerSecretValues({ kind: 'Secret', data: { DB_USER: b64('orders'), DB_HOST: b64('mysql.shop.svc'), DB_PASSWORD: b64(pw), PAYMENT_GATEWAY_KEY: b64(plainWord) } }, r);
    const text = `orders-config mysql.shop.svc ${pw} ${b64(pw)} ${plainWord}`;
    const out = r.redactText(text);
    expect(out).toContain('orders-config mysql.shop.svc ');
    expect(out).not.toContain(pw);
    expect(out).not.toContain(b64(pw));
    expect(out).not.toContain(plainWord); // not an identity key: a word-shaped secret stays a secret
  });

  it('registers the items of a SecretList (items carry no kind) and stringData', () => {
    const r = createRedactor();
    const a = `a-${mixed(16)}`;
    const b = `b-${mixed(16)}`;
    registerSecretValues({ kind: 'SecretList', items: [{ data: { token: b64(a) } }, { kind: 'Secret', stringData: { password: b } }] }, r);
    expect(r.redactText(`${a} ${b}`)).not.toMatch(/a-|b-/);
  });

  it('ignores bodies that are not Secrets (a control ConfigMap holds configuration, not secrets)', () => {
    const r = createRedactor();
    registerSecretValues({ kind: 'ConfigMap', data: { DB_NAME: 'orders', JWT_SECRET_NAME: 'jwt-secret', X: `x-${mixed(16)}` } }, r);
    registerSecretValues({ kind: 'ConfigMapList', items: [{ data: { X: `y-${mixed(16)}` } }] }, r);
    expect(r.size).toBe(0);
  });
});

describe('isIdentityValue', () => {
  it.each([
    ['DB_USER', 'orders', true],
    ['username', 'ecommerce', true],
    ['userName', 'shop-admin', true],
    ['host', 'rabbitmq.shop.svc.cluster.local', true],
    ['port', '5672', true],
    ['database', 'orders', true],
    ['DB_PASSWORD', 'orders', false],
    ['username', 'Xk9-p2Lq-77aa', false],
    ['API_TOKEN', 'orders', false],
    ['PAYMENT_GATEWAY_KEY', 'fixture-value', false],
    ['SECRET_USER', 'orders', false],
    ['password', 'hunter2hunter2', false],
  ])('%s: %s -> %s', (k, v, want) => {
    expect(isIdentityValue(k, v)).toBe(want);
  });
});
