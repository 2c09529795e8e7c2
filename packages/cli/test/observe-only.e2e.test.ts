/**
 * On a real cluster (ISOPROOF_KUBECONFIG; hold the cluster lock): an observe-only data scenario (no
 * manifests) whose TLS criteria probe an endpoint named in the config file (tls.endpoints, its own CA
 * file): isoproof applies nothing and judges the real endpoint, a TLS server on 127.0.0.1 with a
 * certificate of a CA of this test. Run: cd packages/cli && npx vitest run --config vitest.e2e.config.ts test/observe-only.e2e.test.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOZILLA_INTERMEDIATE_TLS12, TestCa } from '@isoproof/probe-tls';
import { runCli } from './run-cli';

const kubeconfig = process.env.ISOPROOF_KUBECONFIG;
const suite = kubeconfig ? describe : describe.skip;
const HOST = 'portal.example.com';

const cli = (args: string[]) => runCli(args, { timeoutMs: 300_000 });

suite('an observe-only scenario probes a TLS endpoint from the config file', () => {
  let ca: TestCa;
  let server: Server;
  let root: string;

  beforeAll(async () => {
    ca = await TestCa.create({ commonName: 'company CA (test)' });
    const cert = await ca.issueServer(HOST);
    server = createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2', ciphers: MOZILLA_INTERMEDIATE_TLS12.join(':') }, (_req, res) => {
      res.writeHead(200, { 'strict-transport-security': 'max-age=31536000' });
      res.end('ok\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    root = mkdtempSync(join(tmpdir(), 'isoproof-observe-only-'));
    const dir = join(root, 'public-tls');
    mkdirSync(dir);
    const c = (id: string, check: string, extra = '') =>
      `  - { id: ${id}, title: ${check}, seed: "company TLS policy", probe: tls, vantage: client on this host, expectation: holds, spec: { check: ${check}${extra} } }\n`;
    writeFileSync(
      join(dir, 'criteria.yaml'),
      `criteria:\n${c('PUB-TLS-01', 'chain')}${c('PUB-TLS-02', 'san')}${c('PUB-TLS-03', 'expiry')}${c('PUB-TLS-04', 'protocols')}${c('PUB-TLS-05', 'key')}${c('PUB-TLS-06', 'hsts')}`,
    );
    writeFileSync(join(root, 'ca.pem'), ca.certPem);
    writeFileSync(
      join(root, 'isoproof.yaml'),
      `scenarioDirs: [.]\ntls:\n  endpoints:\n    - { host: ${HOST}, address: "127.0.0.1:${port}", caFile: ca.pem, scenarios: [public-tls] }\n`,
    );
  });

  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await ca?.[Symbol.asyncDispose]();
  });

  it('validate accepts it; the run applies nothing and every criterion PASSes', async () => {
    const v = await cli(['validate', join(root, 'public-tls')]);
    expect(v.code, v.stderr).toBe(0);
    const artifacts = join(root, 'artifacts');
    const r = await cli(['run', '--kubeconfig', kubeconfig!, '--config', join(root, 'isoproof.yaml'), '--scenario', 'public-tls', '--artifacts', artifacts]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/applying 0 objects/);
    const report = JSON.parse(readFileSync(join(artifacts, 'report.json'), 'utf8')) as { summary: { total: number; pass: number } };
    expect(report.summary).toMatchObject({ total: 6, pass: 6 });
  });
});
