import http from 'node:http';
import https from 'node:https';
import { TransportError, describeError } from './errors';
import type { KubeHandle } from './kubeconfig';

export interface RawRequest {
  method: string;
  /** API path, e.g. /api/v1/namespaces/x/secrets (may already carry a query string). */
  path: string;
  /** Serialized as JSON unless a string or Buffer. */
  body?: unknown;
  /** Default application/json when a body is present. */
  contentType?: string;
  query?: Record<string, string>;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: unknown;
  text: string;
}

/**
 * One HTTP request to the API server with the handle's credentials and TLS settings (client certs,
 * bearer token, impersonation headers, CA). Never throws on an HTTP status: probes need the real
 * status and reason. Throws TransportError (ISOPROOF_TRANSPORT) on network failure or timeout.
 */
export async function rawRequest(kube: KubeHandle, o: RawRequest): Promise<RawResponse> {
  const server = kube.kc.getCurrentCluster()?.server;
  if (!server) throw new TransportError(`no server URL in context "${kube.context ?? ''}" of ${kube.kubeconfigPath}`);
  const url = new URL(server.replace(/\/+$/, '') + (o.path.startsWith('/') ? o.path : `/${o.path}`));
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  const timeoutMs = o.timeoutMs ?? 30_000;

  const opts: https.RequestOptions = { method: o.method.toUpperCase(), headers: {} };
  await kube.kc.applyToHTTPSOptions(opts);
  const headers = (opts.headers ?? {}) as http.OutgoingHttpHeaders;
  headers['Accept'] = 'application/json, */*;q=0.8';
  let payload: Buffer | undefined;
  if (o.body !== undefined) {
    payload = Buffer.isBuffer(o.body) ? o.body : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    headers['Content-Type'] = o.contentType ?? 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  opts.headers = headers;
  const mod = url.protocol === 'http:' ? http : https;
  const what = `${opts.method} ${url.origin}${url.pathname}`;

  return await new Promise<RawResponse>((resolve, reject) => {
    const req = mod.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new TransportError(`${what}: ${describeError(e)}`, { cause: e })));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        const ct = String(res.headers['content-type'] ?? '');
        if (ct.includes('json') || /^\s*[[{]/.test(text)) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(new TransportError(`${what}: ${describeError(e)}`, { cause: e }));
    });
    if (payload) req.write(payload);
    req.end();
  });
}
