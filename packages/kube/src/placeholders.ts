import { IMAGE_PLACEHOLDERS } from '@isoproof/core';
import { InvalidManifestError } from './errors';

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const RESERVED = 'ISOPROOF_';

function known(): string {
  return Object.keys(IMAGE_PLACEHOLDERS)
    .map((k) => `\${${k}}`)
    .join(', ');
}

function fillString(s: string, path: string, inImage: boolean, where: string): string {
  return s.replace(PLACEHOLDER, (whole, name: string) => {
    const value = IMAGE_PLACEHOLDERS[name];
    if (value !== undefined) return value;
    if (!inImage && !name.startsWith(RESERVED)) return whole; // e.g. a shell variable in a container's args
    throw new InvalidManifestError(`${where}: ${path}: unknown placeholder ${whole} — use one of ${known()}`);
  });
}

function fill(v: unknown, path: string, key: string, where: string): unknown {
  if (typeof v === 'string') return fillString(v, path, key === 'image', where);
  if (Array.isArray(v)) {
    v.forEach((x, i) => (v[i] = fill(x, `${path}[${i}]`, '', where)));
  } else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = fill(o[k], path ? `${path}.${k}` : k, k, where);
  }
  return v;
}

/**
 * Fills the image placeholders of one parsed manifest document in place: a manifest names the
 * project's images as `image: ${ISOPROOF_PROBE_IMAGE}` (IMAGE_PLACEHOLDERS of @isoproof/core, read
 * from the one image source). Unknown placeholders fail with InvalidManifestError naming `where` and
 * the field: any `${...}` in an `image` field, and any `${ISOPROOF_...}` anywhere; other `${...}`
 * text (a shell variable in args) is left as written.
 */
export function fillPlaceholders(doc: unknown, where: string): unknown {
  return fill(doc, '', '', where);
}
