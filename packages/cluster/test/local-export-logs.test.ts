import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRedactor } from '@isoproof/core';
import { LocalProvider } from '../src/index';

// Generated at test time so the repository secret scan has nothing to find in this file.
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = [b64url({ alg: 'RS256', kid: 'y' }), b64url({ sub: 'system:serviceaccount:c:d' }), randomBytes(24).toString('base64url')].join('.');
const SECRET = `planted-local-${randomBytes(6).toString('hex')}`;

describe('LocalProvider exportLogs (a reused cluster handle, no scripts run)', () => {
  it('copies the log dir through redaction: no registered secret nor JWT-shaped token reaches the export', async () => {
    defaultRedactor.register(SECRET);
    const root = mkdtempSync(join(tmpdir(), 'isoproof-local-logs-'));
    const run = join(root, 'run');
    const logs = join(root, 'logs');
    mkdirSync(run);
    mkdirSync(join(logs, 'traefik'), { recursive: true });
    writeFileSync(join(logs, 'audit.log'), `{"verb":"create","responseObject":{"status":{"token":"${JWT}"}}}\n`);
    writeFileSync(join(logs, 'kube-apiserver.log'), `E0101 basic auth password=${SECRET}\n`);
    writeFileSync(join(logs, 'traefik', 'access.log'), `GET / Authorization: Bearer ${SECRET}\n`);
    writeFileSync(join(run, 'facts.env'), `KUBECONFIG=${join(root, 'kubeconfig')}\nLOGS_DIR=${logs}\n`);
    writeFileSync(join(run, 'kube-apiserver.pid'), String(process.pid)); // "running"

    const cluster = await new LocalProvider().withEnv({ ISOPROOF_LOCAL_RUN: run }).reuse();
    expect(cluster.owned).toBe(false);
    const out = join(root, 'artifacts', 'logs');
    await cluster.exportLogs(out);

    const dest = join(out, 'local-cluster');
    expect(readdirSync(dest).sort()).toEqual(['README.isoproof.txt', 'audit.log', 'kube-apiserver.log', 'traefik']);
    for (const f of ['audit.log', 'kube-apiserver.log', 'traefik/access.log', 'README.isoproof.txt']) {
      const text = readFileSync(join(dest, f), 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(JWT);
    }
    expect(readFileSync(join(dest, 'audit.log'), 'utf8')).toMatch(/"token":"hmac:[0-9a-f]{16}"/);
    expect(readFileSync(join(dest, 'kube-apiserver.log'), 'utf8')).toBe(`E0101 basic auth password=${defaultRedactor.hash(SECRET)}\n`);
  });
});
