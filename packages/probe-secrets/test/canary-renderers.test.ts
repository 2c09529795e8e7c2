import { defaultRedactor, evaluate, newRun } from '@isoproof/core';
import type { Criterion } from '@isoproof/core';
import { buildReport, renderConsole, renderJUnit, renderJson, renderMarkdown, renderSarif } from '@isoproof/report';
import { describe, expect, it } from 'vitest';
import { liveTokenCheck, scanCheck } from '../src/checks';
import type { FoundSecret } from '../src/findings';
import { findingsSection } from '../src/findings';
import { LAST_APPLIED, scanAnnotations } from '../src/scan-annotations';
import { scanConfigMap } from '../src/scan-configmap';
import { scanEnvLiterals } from '../src/scan-env';
import { scanLog } from '../src/scan-log';
import { fake, fakeServiceAccountJwt, mixed } from './fakes';

/*
 * Canary test over the renderers (issue 6): values found by the scanners go through findings, checks,
 * evaluation, report sections and every renderer (JSON, JUnit, Markdown, SARIF, console) and appear
 * zero times in the output, in clear or base64/base64url form; their keyed hashes do appear.
 */
const criterion = (id: string): Criterion => ({
  id,
  title: id,
  seed: '000 M21',
  probe: 'secrets',
  vantage: 'test',
  expectation: 'no secret',
  spec: {},
});

describe('canaries never reach a rendered report', () => {
  it('JSON, JUnit, Markdown, SARIF and console carry hashes, never the values', () => {
    const canaries = {
      configmap: `isoproof-canary-db-password-${mixed(20)}`,
      env: `isoproof-canary-api-key-${mixed(20)}`,
      annotation: `isoproof-canary-stringdata-${mixed(20)}`,
      vendor: fake.stripeLive(),
      token: fakeServiceAccountJwt('shop', 'log-shipper'),
    };
    const ns = 'shop';
    const found: Record<string, FoundSecret[]> = {
      cm: scanConfigMap({ kind: 'ConfigMap', metadata: { name: 'orders-config', namespace: ns }, data: { DB_PASSWORD: canaries.configmap, NOTES: `billing ${canaries.vendor}` } }),
      env: scanEnvLiterals({
        kind: 'Deployment',
        metadata: { name: 'payments', namespace: ns },
        spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'PAYMENTS_API_KEY', value: canaries.env }] }] } } },
      }),
      ann: scanAnnotations({
        kind: 'Secret',
        metadata: { name: 'pg', namespace: ns, annotations: { [LAST_APPLIED]: JSON.stringify({ kind: 'Secret', stringData: { KEY: canaries.annotation } }) } },
      }),
      log: scanLog({ kind: 'Pod', namespace: ns, name: 'shipper' }, 'debug', `content of file "token": ${canaries.token}\n`),
    };
    for (const list of Object.values(found)) expect(list.length).toBeGreaterThan(0);

    const checks = {
      'SEC-CONFIGMAP-01': [scanCheck({ source: 'configmap', resource: { kind: 'ConfigMap', namespace: ns, name: 'orders-config' }, sent: 'GET', found: found['cm'] ?? [] })],
      'SEC-ENV-01': [scanCheck({ source: 'env', resource: { kind: 'Deployment', namespace: ns, name: 'payments' }, sent: 'GET', found: found['env'] ?? [] })],
      'SEC-ANNOTATION-01': [scanCheck({ source: 'annotation', resource: { kind: 'Secret', namespace: ns, name: 'pg' }, sent: 'GET', found: found['ann'] ?? [] })],
      'SEC-TOKEN-01': [liveTokenCheck(found['log'] ?? [], { authenticated: true, username: 'system:serviceaccount:shop:log-shipper' })],
    };
    const outcomes = Object.entries(checks).map(([id, c]) => evaluate(criterion(id), defaultRedactor.scrub(c)));
    expect(outcomes.every((o) => o.verdict === 'FAIL')).toBe(true);
    const sections = [findingsSection(Object.values(found).flatMap((l) => l.map((f) => f.finding)))];
    const run = newRun();
    const report = buildReport({ run, provider: 'existing', serverVersion: 'v1.34.4', scenarios: [{ scenario: 'secret-hygiene', outcomes, sections, durationMs: 1 }] });

    const outputs: Record<string, string> = {
      json: renderJson(report),
      junit: renderJUnit(report),
      markdown: renderMarkdown(report),
      sarif: renderSarif(report),
      console: renderConsole(report),
    };
    for (const [name, text] of Object.entries(outputs)) {
      for (const [what, value] of Object.entries(canaries)) {
        for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]) {
          expect(text.includes(form), `${name} contains the ${what} canary`).toBe(false);
        }
      }
    }
    for (const name of ['json', 'markdown']) expect(outputs[name], `${name} names the finding by its hash`).toContain(defaultRedactor.hash(canaries.configmap));
    expect(outputs['markdown']).toContain('configmap/shop/orders-config:data.DB_PASSWORD');
  });
});
