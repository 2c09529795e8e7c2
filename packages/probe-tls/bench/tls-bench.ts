/**
 * Probe of N hosts (default 10) behind one local TLS "ingress" (SNI) and one HTTP redirector, every
 * check, all on 127.0.0.1. Prints the wall-clock figure. Usage: npx tsx bench/tls-bench.ts [hosts]
 */
import type { Criterion, ProbeContext } from '@isoproof/core';
import { evaluate } from '@isoproof/core';
import { TLS_CHECKS } from '../src/spec';
import { createTlsProbe } from '../src/probe';
import type { TlsTarget } from '../src/targets';
import { TestCa } from '../src/test-ca';
import { startHttpServer, startTlsServer } from '../test/servers';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10);
  const hosts = Array.from({ length: n }, (_, i) => `h${i}.bench.example.com`);
  await using ca = await TestCa.create({ commonName: 'bench CA' });
  const certs = await Promise.all(hosts.map((h) => ca.issueServer(h)));
  const client = await ca.issueClient('bench client');
  const first = certs[0];
  if (!first) throw new Error('no hosts');
  await using https = await startTlsServer({
    cert: first.certPem,
    key: first.keyPem,
    hsts: 'max-age=31536000',
    sni: Object.fromEntries(hosts.map((h, i) => [h, { cert: certs[i]?.certPem ?? '', key: certs[i]?.keyPem ?? '' }])),
  });
  await using http = await startHttpServer();
  const targets: TlsTarget[] = hosts.map((host) => ({
    kind: 'ingress', host, port: 443, namespace: 'bench', tlsDeclared: true, annotations: {},
    source: { kind: 'Ingress', name: 'bench', namespace: 'bench' },
  }));
  const criteria: Criterion[] = TLS_CHECKS.filter((c) => c !== 'mtls').map((check, i) => ({
    id: `TLS-BENCH-${String(i + 1).padStart(2, '0')}`, title: check, seed: 'bench', probe: 'tls', vantage: 'loopback', expectation: check, spec: { check },
  }));
  const family = createTlsProbe({ ca: () => ca.certPem, targets: () => targets, clientCertificate: () => ({ certPem: client.certPem, keyPem: client.keyPem }) });
  const ctx: ProbeContext = {
    run: { id: 'rbench00001', startedAt: new Date().toISOString() }, kubeconfigPath: '', scenario: 'bench', provider: 'local',
    facts: { ingressAddress: https.hostPort, ingressHttpAddress: http.hostPort }, log: () => undefined,
  };
  const t0 = performance.now();
  const checks = await family.run(criteria, ctx);
  const seconds = (performance.now() - t0) / 1000;
  const verdicts = criteria.map((c) => evaluate(c, checks.get(c.id) ?? []).verdict);
  const attempts = n * (1 + 4 + 29 + 2);
  console.log(`probe-tls bench: ${n} hosts, ${criteria.length} criteria, ~${attempts} connections: ${seconds.toFixed(2)} s (${verdicts.filter((v) => v === 'PASS').length}/${verdicts.length} PASS)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
