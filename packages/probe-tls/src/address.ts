/** Where the probe connects (the ingress address), whatever host name it presents in SNI/Host. */
export interface Address {
  host: string;
  port: number;
}

export function parseAddress(value: string, defaultPort: number): Address | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracket) return { host: bracket[1] as string, port: bracket[2] ? Number(bracket[2]) : defaultPort };
  const idx = v.lastIndexOf(':');
  if (idx > 0 && v.indexOf(':') === idx) {
    const port = Number(v.slice(idx + 1));
    if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
    return { host: v.slice(0, idx), port };
  }
  return { host: v, port: defaultPort };
}

export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
