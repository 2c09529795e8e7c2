import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

/** What the stand-in API server saw of one request. */
export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string[]>;
  clientCert: boolean;
  body: string;
}

export interface FakeApiServer {
  url: string;
  dir: string;
  /** Kubeconfig with client certificate credentials (the "admin"). */
  kubeconfigPath: string;
  seen: Seen[];
  close(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/**
 * A real HTTPS server on 127.0.0.1 with its own CA, standing in for the API server: it records each
 * request (headers, whether a client certificate was presented) and answers a few API paths.
 */
export async function startFakeApiServer(): Promise<FakeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'isoproof-fake-api-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=fake-ca'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext'], dir);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'admin.key', '-out', 'admin.csr', '-subj', '/CN=admin/O=system:masters'], dir);
  openssl(['x509', '-req', '-in', 'admin.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'admin.crt', '-days', '1'], dir);
  const read = (f: string) => readFileSync(join(dir, f));
  const seen: Seen[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const path = req.url ?? '';
      seen.push({
        method: req.method ?? '',
        path,
        headers: req.headersDistinct as Record<string, string[]>,
        clientCert: Boolean(peer && Object.keys(peer).length > 0),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path === '/version') return json(200, { gitVersion: 'v1.34.0-fake' });
      // Discovery of the core group (the dynamic object API resolves paths with it).
      if (path === '/api/v1') {
        return json(200, {
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'list'] },
            { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
          ],
        });
      }
      // A namespace whose requests never get an answer (a hung API server).
      if (path.startsWith('/api/v1/namespaces/hang/')) return;
      const cm = /^\/api\/v1\/namespaces\/default\/configmaps\/([^/?]+)/.exec(path);
      if (cm) return json(200, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cm[1], namespace: 'default' }, data: {} });
      const tok = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token/.exec(path);
      if (tok && req.method === 'POST') {
        return json(201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', status: { token: `tok-${tok[1]}-${tok[2]}-s3cr3t`, expirationTimestamp: new Date(Date.now() + 600_000).toISOString() } });
      }
      if (path.startsWith('/api/v1/namespaces/default/pods')) return json(200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items: [] });
      if (path.startsWith('/api/v1/namespaces/locked/secrets')) {
        return json(403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', message: 'secrets is forbidden', code: 403 });
      }
      json(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    });
  };
  const server = https.createServer({ key: read('server.key'), cert: read('server.crt'), requestCert: true, rejectUnauthorized: false }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (f: string) => read(f).toString('base64');
  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${b64('ca.crt')}`,
      'users:',
      `- name: admin\n  user:\n    client-certificate-data: ${b64('admin.crt')}\n    client-key-data: ${b64('admin.key')}`,
      'contexts:',
      '- name: admin\n  context:\n    cluster: fake\n    user: admin',
      '- name: other\n  context:\n    cluster: fake\n    user: admin',
      'current-context: admin',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return {
    url,
    dir,
    kubeconfigPath,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
