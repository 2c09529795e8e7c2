import Ajv from 'ajv';
import { WaiverError } from './errors';
import type { Waiver } from './model';
import { CRITERION_ID_PATTERN } from './criteria-schema';
import { formatAjvErrors } from './schema-errors';
import { readYamlFile } from './yaml-file';

/** JSON Schema of a waivers file: `{ waivers: Waiver[] }` (selector defaults to "*"). */
export const WAIVERS_SCHEMA = {
  $id: 'https://isoproof.dev/schemas/waivers.json',
  type: 'object',
  required: ['waivers'],
  additionalProperties: false,
  properties: {
    waivers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['criterion', 'reason', 'owner', 'expires'],
        additionalProperties: false,
        properties: {
          criterion: { type: 'string', pattern: CRITERION_ID_PATTERN },
          selector: { type: 'string', minLength: 1 },
          reason: { type: 'string', minLength: 1 },
          owner: { type: 'string', minLength: 1 },
          expires: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;

let compiled: ReturnType<Ajv['compile']> | undefined;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a waiver stops applying: end of the day UTC for a date, else the date-time. NaN if invalid. */
export function waiverExpiry(w: Pick<Waiver, 'expires'>): Date {
  const m = DATE_ONLY.exec(w.expires);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = new Date(Date.UTC(y, mo - 1, d, 23, 59, 59, 999));
    // reject 2025-02-31 and the like
    if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return new Date(NaN);
    return t;
  }
  // a date-time must carry a time zone to mean one instant
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(w.expires)) return new Date(NaN);
  return new Date(w.expires);
}

/** 'active' until its expiry instant (inclusive), then 'expired'. Invalid dates count as expired. */
export function waiverState(w: Pick<Waiver, 'expires'>, now: Date = new Date()): 'active' | 'expired' {
  const exp = waiverExpiry(w).getTime();
  if (Number.isNaN(exp)) return 'expired';
  return now.getTime() <= exp ? 'active' : 'expired';
}

const globCache = new Map<string, RegExp>();
/** Glob on a Check.id: `*` any run of characters (slashes included), `?` one character. */
export function globMatch(glob: string, value: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    let src = '';
    for (const ch of glob) {
      if (ch === '*') src += '.*';
      else if (ch === '?') src += '.';
      else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`, 's');
    globCache.set(glob, re);
  }
  return re.test(value);
}

/** Validates parsed waivers data (`{ waivers: [...] }`); throws WaiverError (ISOPROOF_INVALID_WAIVER). */
export function validateWaivers(data: unknown, source: string): Waiver[] {
  if (data === null || data === undefined) return [];
  if (!compiled) compiled = new Ajv({ allErrors: true, strict: true }).compile(WAIVERS_SCHEMA);
  const problems: string[] = [];
  if (!compiled(data)) {
    problems.push(...formatAjvErrors(source, data, compiled.errors ?? [], { rootKeys: ['waivers'] }));
    throw new WaiverError(problems);
  }
  const list = (data as { waivers: Array<Omit<Waiver, 'selector'> & { selector?: string }> }).waivers;
  const out: Waiver[] = list.map((w) => ({ ...w, selector: w.selector ?? '*' }));
  out.forEach((w, i) => {
    if (Number.isNaN(waiverExpiry(w).getTime())) {
      problems.push(
        `${source}: waivers[${i}].expires: must be a date YYYY-MM-DD or a date-time with zone (got ${JSON.stringify(w.expires)})`,
      );
    }
  });
  if (problems.length) throw new WaiverError(problems);
  return out;
}

/** Reads a waivers YAML file. A missing file is an error; an empty file means no waivers. */
export async function loadWaivers(file: string): Promise<Waiver[]> {
  const data = await readYamlFile(file, 'waivers file', (problems, cause) => new WaiverError(problems, { cause }));
  return validateWaivers(data, file);
}
