import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A request to a fake API server, its body read in full (empty when none was sent). */
export type FakeRequestHandler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void;

/** A fake API server listening on 127.0.0.1, with a kubeconfig file that points at it. */
export interface FakeServer {
  kubeconfigPath: string;
  port: number;
  close(): Promise<void>;
}

/** Writes a JSON answer with `status`. */
export function answerJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * A real plain-HTTP server on 127.0.0.1 (a free port) handing every request, with its whole body, to
 * `handle`; the kubeconfig (mode 0600, in a fresh temp directory) names it with a placeholder token as
 * `user`. `close()` also drops kept-alive connections.
 */
export async function serveFakeApi(handle: FakeRequestHandler, user = 'fake'): Promise<FakeServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'isoproof-fake-api-')), 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }`,
      'users:',
      `- name: ${user}\n  user: { token: not-a-real-token }`,
      'contexts:',
      `- name: fake\n  context: { cluster: fake, user: ${user} }`,
      'current-context: fake',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return {
    kubeconfigPath,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
