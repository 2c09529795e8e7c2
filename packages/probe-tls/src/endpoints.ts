import { readFileSync } from 'node:fs';
import { type Address, parseAddress } from './address';
import type { TlsTarget } from './targets';

/** The fact holding TLS endpoints the user names (the config file's tls.endpoints, as JSON). */
export const ENDPOINTS_FACT = 'tlsEndpoints';

/** One endpoint from the config file: a real host, probed wherever it is, no Ingress object needed. */
export interface ConfiguredEndpoint {
  /** Name presented in SNI and Host, and matched against the certificate. */
  host: string;
  /** Where to connect, host:port (default host:443). */
  address?: string;
  /** Where the plain-HTTP redirect check connects (no redirect check without it). */
  httpAddress?: string;
  /** PEM file of the CA(s) the chain must lead to; default: the system trust store. */
  caFile?: string;
  /** Scenarios whose TLS criteria probe this endpoint. */
  scenarios: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Parses the tlsEndpoints fact; throws one line naming what is wrong. */
export function parseEndpoints(text: string): ConfiguredEndpoint[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`facts.${ENDPOINTS_FACT}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(v)) throw new Error(`facts.${ENDPOINTS_FACT}: must be a JSON list of {host, address?, httpAddress?, caFile?, scenarios}`);
  return v.map((e, i) => {
    const at = `facts.${ENDPOINTS_FACT}[${i}]`;
    if (!isObj(e) || typeof e.host !== 'string' || !e.host) throw new Error(`${at}.host: required`);
    if (!Array.isArray(e.scenarios) || !e.scenarios.every((s) => typeof s === 'string')) throw new Error(`${at}.scenarios: a list of scenario names`);
    const out: ConfiguredEndpoint = { host: e.host, scenarios: e.scenarios as string[] };
    for (const k of ['address', 'httpAddress', 'caFile'] as const) {
      const x = e[k];
      if (x === undefined) continue;
      if (typeof x !== 'string' || !x) throw new Error(`${at}.${k}: must be a string`);
      out[k] = x;
    }
    if (out.address && !parseAddress(out.address, 443)) throw new Error(`${at}.address: not host:port (got ${out.address})`);
    if (out.httpAddress && !parseAddress(out.httpAddress, 80)) throw new Error(`${at}.httpAddress: not host:port (got ${out.httpAddress})`);
    return out;
  });
}

/**
 * The targets of the endpoints configured for `scenario`. Each carries its own address and trust: its
 * CA file, or the system trust store. A scenario's own test CA never applies to them.
 */
export function endpointTargets(endpoints: ConfiguredEndpoint[], scenario: string): TlsTarget[] {
  return endpoints
    .filter((e) => e.scenarios.includes(scenario))
    .map((e) => {
      const address = parseAddress(e.address ?? e.host, 443) as Address;
      const t: TlsTarget = {
        kind: 'endpoint',
        host: e.host,
        port: address.port,
        namespace: '',
        source: { kind: 'Endpoint', name: e.host },
        tlsDeclared: true,
        annotations: {},
        address,
        trust: e.caFile ? { caFile: e.caFile } : 'system',
      };
      if (e.httpAddress) t.httpAddress = parseAddress(e.httpAddress, 80) as Address;
      return t;
    });
}

/** The PEM of a target's CA file; undefined (with the reason) when it cannot be read. */
export function readCaFile(file: string): { pem?: string; error?: string } {
  try {
    return { pem: readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: `CA file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
}
