import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import Ajv from 'ajv';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { ProblemsError, formatAjvErrors } from '@isoproof/core';

/** The config file's name looked up in the working directory when --config is not given. */
export const CONFIG_FILE_NAME = 'isoproof.yaml';

/** Fact names: what probes read from ProbeContext.facts (ingressAddress, auditLogPath, ...). */
export const FACT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]*$';

/** A duration: seconds as a number, or a string like "90s", "5m", "1h", "1500ms". */
const DURATION = {
  oneOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
  ],
} as const;

/** JSON Schema (draft-07) of isoproof.yaml. */
export const CONFIG_SCHEMA = {
  $id: 'https://isoproof.dev/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    facts: {
      type: 'object',
      propertyNames: { pattern: FACT_NAME_PATTERN },
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    },
    waivers: { type: 'string', minLength: 1 },
    scenarioDirs: { type: 'array', items: { type: 'string', minLength: 1 } },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        caFile: { type: 'string', minLength: 1 },
        clientCertFile: { type: 'string', minLength: 1 },
        clientKeyFile: { type: 'string', minLength: 1 },
        endpoints: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['host', 'scenarios'],
            properties: {
              host: { type: 'string', pattern: '^[A-Za-z0-9.-]+$' },
              address: { type: 'string', pattern: '^[^\\s:]+:[0-9]{1,5}$' },
              httpAddress: { type: 'string', pattern: '^[^\\s:]+:[0-9]{1,5}$' },
              caFile: { type: 'string', minLength: 1 },
              scenarios: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            },
          },
        },
      },
    },
    criteria: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\\d{2,}$' },
      additionalProperties: { type: 'object' },
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: { apply: DURATION, ready: DURATION, prepare: DURATION, family: DURATION, destroy: DURATION },
    },
  },
} as const;

export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA.properties);

/** The config file is unreadable, not YAML, or does not match CONFIG_SCHEMA (message: file:line: what). */
export class ConfigError extends ProblemsError {
  constructor(problems: string[], options?: { cause?: unknown }) {
    super('ISOPROOF_INVALID_CONFIG', problems, 'invalid config', options);
  }
}

export type TimeoutName = 'apply' | 'ready' | 'prepare' | 'family' | 'destroy';

/** isoproof.yaml, validated; paths resolved against the file's directory. */
export interface ConfigFile {
  file: string;
  facts: Record<string, string>;
  waiversFile?: string;
  scenarioDirs: string[];
  /** Per-criterion parameters: merged over the criterion's `spec` (validated by its probe family). */
  criteria: Record<string, Record<string, unknown>>;
  timeouts: Partial<Record<TimeoutName, number>>;
  /** "file:line" of a path in the document (e.g. ['criteria', 'TLS-CERT-03']); the file alone when unknown. */
  where(path: Array<string | number>): string;
}

/** "90s" -> 90000, 120 -> 120000 (seconds), "5m", "1h", "1500ms". */
export function durationMs(v: number | string): number {
  if (typeof v === 'number') return Math.round(v * 1000);
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(v);
  if (!m) throw new Error(`not a duration: ${v}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n * unit);
}

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator() {
  compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(CONFIG_SCHEMA);
  return compiled;
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Parses and validates the text of a config file; `file` names it in every message. */
export function parseConfig(text: string, file: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineAt(e.pos[0]);
    throw new ConfigError([`${file}${line ? `:${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`]);
  }
  const where = (path: Array<string | number>): string => {
    // The deepest node of the path that exists: an unknown key's line is its parent's.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        // For a key, the line of the key itself, not of its value.
        if (n > 0) {
          const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
          const pair = (parent as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | null)?.items?.find(
            (p) => p.key && String(p.key.value) === String(path[n - 1]),
          );
          if (pair?.key?.range) return `${file}:${lineAt(pair.key.range[0])}`;
        }
        return `${file}:${lineAt(node.range[0])}`;
      }
    }
    return file;
  };
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError([`${where([])}: must be a mapping with keys ${CONFIG_KEYS.join(', ')}`]);
  }
  const validate = validator();
  if (!validate(data)) {
    const problems: string[] = [];
    for (const e of validate.errors ?? []) {
      let segs = pointerSegments(e.instancePath);
      const propertyName = (e as { propertyName?: string }).propertyName ?? (e.params as { propertyName?: string }).propertyName;
      if (e.keyword === 'additionalProperties') segs = [...segs, String((e.params as { additionalProperty: string }).additionalProperty)];
      if (propertyName !== undefined) segs = [...segs, propertyName];
      // formatAjvErrors words the problem; the location becomes file:line.
      const [msg] = formatAjvErrors('\u0000', data, [e], { rootKeys: CONFIG_KEYS });
      if (!msg) continue;
      let text = msg.replace(/^\u0000: /, '');
      if (e.keyword === 'propertyNames') continue; // the pattern error of the same name says it
      if (propertyName !== undefined) {
        const name = propertyName;
        const what = segs[0] === 'criteria' ? 'a criterion id (like TLS-CERT-03)' : 'a fact name (letters, digits, _ . -)';
        text = `${e.instancePath ? `${e.instancePath.slice(1)}: ` : ''}"${name}" is not ${what}`;
      }
      if (e.keyword === 'oneOf') text = `${pointerSegments(e.instancePath).join('.')}: must be seconds (a number) or a duration like "90s", "5m", "1h"`;
      if (e.keyword === 'pattern' || e.keyword === 'type' || e.keyword === 'exclusiveMinimum') {
        if (segs[0] === 'timeouts') text = `${segs.join('.')}: must be seconds (a number) or a duration like "90s", "5m", "1h"`;
      }
      const line = `${where(segs)}: ${text}`;
      if (!problems.includes(line)) problems.push(line);
    }
    throw new ConfigError(problems);
  }
  const raw = data as {
    facts?: Record<string, string | number | boolean>;
    waivers?: string;
    scenarioDirs?: string[];
    tls?: {
      caFile?: string;
      clientCertFile?: string;
      clientKeyFile?: string;
      endpoints?: Array<{ host: string; address?: string; httpAddress?: string; caFile?: string; scenarios: string[] }>;
    };
    criteria?: Record<string, Record<string, unknown>>;
    timeouts?: Partial<Record<TimeoutName, number | string>>;
  };
  const base = dirname(resolve(file));
  const path = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const facts: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.facts ?? {})) facts[k] = String(v);
  if (raw.tls?.caFile) facts.tlsCaFile = path(raw.tls.caFile);
  if (raw.tls?.clientCertFile) facts.tlsClientCertFile = path(raw.tls.clientCertFile);
  if (raw.tls?.clientKeyFile) facts.tlsClientKeyFile = path(raw.tls.clientKeyFile);
  // TLS endpoints reach the TLS probe as one fact (JSON), CA files resolved against this file.
  if (raw.tls?.endpoints?.length) {
    facts.tlsEndpoints = JSON.stringify(raw.tls.endpoints.map((e) => ({ ...e, ...(e.caFile ? { caFile: path(e.caFile) } : {}) })));
  }
  const timeouts: Partial<Record<TimeoutName, number>> = {};
  for (const [k, v] of Object.entries(raw.timeouts ?? {})) if (v !== undefined) timeouts[k as TimeoutName] = durationMs(v);
  const out: ConfigFile = {
    file,
    facts,
    scenarioDirs: (raw.scenarioDirs ?? []).map(path),
    criteria: raw.criteria ?? {},
    timeouts,
    where,
  };
  if (raw.waivers) out.waiversFile = path(raw.waivers);
  return out;
}

/** Reads and validates a config file (see parseConfig). */
export async function loadConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([`${file}: cannot read the config file (${code ?? String(e)}); fix --config`], { cause: e });
  }
  return parseConfig(text, file);
}
