import type { ErrorObject } from 'ajv';

/** `/criteria/2/id` -> `criteria[2].id`; empty pointer -> ''. */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  if (!pointer) return cur;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** A short, one-line description of a value: `"net1"`, `number 3`, `null`, `a list`, `a mapping`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') {
    const s = v.length > 60 ? `${v.slice(0, 57)}...` : v;
    return JSON.stringify(s);
  }
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true/false)',
};

export interface FormatOptions {
  /** Extra wording for enum errors at given property names (e.g. probe -> "unknown probe kind"). */
  enumLabels?: Record<string, string>;
  /** Keys allowed at the root, for the "unknown top-level key" message. */
  rootKeys?: string[];
}

/** Turns ajv errors into one-line human messages prefixed by `source: path: `. */
export function formatAjvErrors(
  source: string,
  data: unknown,
  errors: ErrorObject[],
  opts: FormatOptions = {},
): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    const at = (p: string) => (p ? `${source}: ${p}: ` : `${source}: `);
    const value = valueAt(data, e.instancePath);
    const got = `(got ${describeValue(value)})`;
    const params = e.params as Record<string, unknown>;
    let msg: string;
    switch (e.keyword) {
      case 'required':
        msg = `${at(path)}missing required field "${String(params.missingProperty)}"`;
        break;
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        msg = path
          ? `${at(path)}unknown field "${key}"`
          : `${source}: unknown top-level key "${key}"${opts.rootKeys ? ` (allowed: ${opts.rootKeys.join(', ')})` : ''}`;
        break;
      }
      case 'type': {
        const t = String(params.type);
        msg = `${at(path)}must be ${TYPE_WORDS[t] ?? t} ${got}`;
        break;
      }
      case 'pattern':
        msg = `${at(path)}must match ${String(params.pattern)} ${got}`;
        break;
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
        const prop = e.instancePath.split('/').pop() ?? '';
        const label = opts.enumLabels?.[prop];
        msg = label
          ? `${at(path)}${label} ${describeValue(value)} (expected one of: ${allowed})`
          : `${at(path)}must be one of: ${allowed} ${got}`;
        break;
      }
      case 'minLength':
        msg = `${at(path)}must not be empty`;
        break;
      case 'minItems':
        msg = `${at(path)}must have at least ${String(params.limit)} item(s)`;
        break;
      case 'format':
        msg = `${at(path)}must be a ${String(params.format)} ${got}`;
        break;
      default:
        msg = `${at(path)}${e.message ?? 'is invalid'} ${got}`;
    }
    if (!out.includes(msg)) out.push(msg);
  }
  return out;
}
