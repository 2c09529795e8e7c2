import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeHandle } from '@isoproof/kube';
import { rawRequest, TransportError } from '@isoproof/kube';
import type { PlannedRequest } from './planned-request';
import { queryString } from './planned-request';

export interface WireAnswer {
  status: number;
  body: unknown;
  text: string;
  latencyMs: number;
}

/** The API server cannot be reached at all (not an HTTP status): code ISOPROOF_TRANSPORT, like rawRequest's. */
export class ProbeTransportError extends TransportError {}

function parse(text: string, contentType: string): unknown {
  if (contentType.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Performs a planned request as the identity behind `kube`. Plain requests go through kube's
 * rawRequest; WebSocket upgrades (exec/attach/portforward) and requests with extra headers
 * (impersonate) are sent here with the same credentials (kc.applyToHTTPSOptions). A 101 answer
 * closes the socket at once: nothing is streamed (over SPDY the kubelet waits for streams the
 * client never opens, so the command does not even start).
 */
export async function perform(kube: KubeHandle, p: PlannedRequest, timeoutMs = 15_000): Promise<WireAnswer> {
  const started = Date.now();
  if (!p.upgrade && !p.headers && !('command' in p.query)) {
    const o: Parameters<typeof rawRequest>[1] = { method: p.method, path: p.path, query: p.query, timeoutMs };
    if (p.body !== undefined) o.body = p.body;
    if (p.contentType) o.contentType = p.contentType;
    const r = await rawRequest(kube, o);
    return { status: r.status, body: r.body, text: r.text, latencyMs: Date.now() - started };
  }
  const server = kube.kc.getCurrentCluster()?.server;
  if (!server) throw new ProbeTransportError('no server URL in the kubeconfig');
  const url = new URL(server.replace(/\/+$/, '') + p.path + queryString(p.query));
  const opts: https.RequestOptions = { method: p.method, headers: {} };
  await kube.kc.applyToHTTPSOptions(opts);
  const headers = (opts.headers ?? {}) as http.OutgoingHttpHeaders;
  headers['Accept'] = 'application/json, */*;q=0.8';
  for (const [k, v] of Object.entries(p.headers ?? {})) headers[k] = v;
  let payload: Buffer | undefined;
  if (p.body !== undefined) {
    payload = Buffer.from(JSON.stringify(p.body));
    headers['Content-Type'] = p.contentType ?? 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  if (p.upgrade?.kind === 'spdy') {
    headers['Connection'] = 'Upgrade';
    headers['Upgrade'] = 'SPDY/3.1';
    headers['X-Stream-Protocol-Version'] = p.upgrade.protocols;
  } else if (p.upgrade) {
    headers['Connection'] = 'Upgrade';
    headers['Upgrade'] = 'websocket';
    headers['Sec-WebSocket-Version'] = '13';
    headers['Sec-WebSocket-Key'] = randomBytes(16).toString('base64');
    headers['Sec-WebSocket-Protocol'] = p.upgrade.protocols.join(', ');
  }
  opts.headers = headers;
  const mod = url.protocol === 'http:' ? http : https;
  return await new Promise<WireAnswer>((resolve, reject) => {
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
    };
    const req = mod.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => finish(() => reject(new ProbeTransportError(`${p.method} ${p.path}: ${e.message}`, { cause: e }))));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        finish(() => resolve({ status: res.statusCode ?? 0, body: parse(text, String(res.headers['content-type'] ?? '')), text, latencyMs: Date.now() - started }));
      });
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      finish(() => resolve({ status: res.statusCode ?? 101, body: '', text: '', latencyMs: Date.now() - started }));
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => finish(() => reject(new ProbeTransportError(`${p.method} ${p.path}: ${e.message}`, { cause: e }))));
    if (payload) req.write(payload);
    req.end();
  });
}
