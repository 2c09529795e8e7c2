import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { OverlayDefinition, ResourceRef } from '@isoproof/core';
import { InvalidManifestError } from './errors';
import { fillPlaceholders } from './placeholders';

/** A Kubernetes object as read from a manifest. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
};

export const OVERLAY_FILE = 'overlay.yaml';

const YAML_RE = /\.ya?ml$/i;

/** API group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""). */
export function apiGroup(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Identity of an object independent of its API version: group/kind/namespace/name. */
export function objectKey(o: { apiVersion?: string; kind: string; metadata?: { name: string; namespace?: string }; name?: string; namespace?: string }): string {
  const name = o.metadata?.name ?? o.name ?? '';
  const ns = o.metadata?.namespace ?? o.namespace ?? '';
  return `${apiGroup(o.apiVersion)}/${o.kind}/${ns}/${name}`;
}

export function toRef(o: KubeObject): ResourceRef {
  const ref: ResourceRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name };
  if (o.metadata.namespace) ref.namespace = o.metadata.namespace;
  return ref;
}

/** "Deployment tenant-a/web" or "Namespace tenant-a". */
export function refString(r: ResourceRef | KubeObject): string {
  const name = 'metadata' in r ? r.metadata.name : r.name;
  const ns = 'metadata' in r ? r.metadata.namespace : r.namespace;
  return `${r.kind} ${ns ? `${ns}/` : ''}${name}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate one parsed document; returns the problem or the object. */
function checkObject(doc: unknown): string | KubeObject {
  if (!isRecord(doc)) return 'not a mapping';
  if (typeof doc.apiVersion !== 'string' || !doc.apiVersion) return 'apiVersion: missing';
  if (typeof doc.kind !== 'string' || !doc.kind) return 'kind: missing';
  const md = doc.metadata;
  if (!isRecord(md)) return 'metadata: missing';
  if (typeof md.name !== 'string' || !md.name) return 'metadata.name: missing (generateName is not supported)';
  if (md.namespace !== undefined && typeof md.namespace !== 'string') return 'metadata.namespace: must be a string';
  for (const f of ['labels', 'annotations'] as const) {
    const m = md[f];
    if (m === undefined) continue;
    if (!isRecord(m)) return `metadata.${f}: must be a mapping`;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== 'string') return `metadata.${f}.${k}: must be a string (quote it)`;
    }
  }
  return doc as KubeObject;
}

/**
 * Parse one YAML text holding any number of documents (List kinds are flattened), with the image
 * placeholders filled (`image: ${ISOPROOF_PROBE_IMAGE}`, see fillPlaceholders).
 */
export function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${source}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new InvalidManifestError(`${where}: invalid YAML: ${e.message.split('\n')[0]}`);
    }
    const value: unknown = fillPlaceholders(doc.toJS(), where);
    if (value === null || value === undefined) return; // empty document
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, j) => {
        const r = checkObject(item);
        if (typeof r === 'string') throw new InvalidManifestError(`${where}: items[${j}].${r}`);
        out.push(r);
      });
      return;
    }
    const r = checkObject(value);
    if (typeof r === 'string') throw new InvalidManifestError(`${where}: ${r}`);
    out.push(r);
  });
  return out;
}

async function yamlFiles(dir: string, exclude: string[] = []): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new InvalidManifestError(`manifest directory ${dir} cannot be read — check the path`, { cause: e });
  }
  return names.filter((n) => YAML_RE.test(n) && !exclude.includes(n)).sort();
}

async function readObjects(dir: string, files: string[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = join(dir, f);
    const objs = parseManifests(await readFile(file, 'utf8'), file);
    for (const o of objs) {
      const key = objectKey(o);
      const prev = seen.get(key);
      if (prev) throw new InvalidManifestError(`${file}: ${refString(o)} is already defined in ${prev} — remove one`);
      seen.set(key, file);
      out.push(o);
    }
  }
  return out;
}

/** Every *.yaml / *.yml file of `dir` (not recursive), sorted by name, all documents. */
export async function readManifests(dir: string): Promise<KubeObject[]> {
  return readObjects(dir, await yamlFiles(dir));
}

function parseRemove(v: unknown, file: string): ResourceRef[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new InvalidManifestError(`${file}: remove: must be a list of {kind, name, namespace?}`);
  return v.map((r, i) => {
    if (!isRecord(r) || typeof r.kind !== 'string' || typeof r.name !== 'string') {
      throw new InvalidManifestError(`${file}: remove[${i}]: needs kind and name`);
    }
    const ref: ResourceRef = { kind: r.kind, name: r.name };
    if (typeof r.namespace === 'string') ref.namespace = r.namespace;
    if (typeof r.apiVersion === 'string') ref.apiVersion = r.apiVersion;
    return ref;
  });
}

/** Read overlays/<name>/overlay.yaml: { description, flips, remove? }. */
export async function readOverlayDefinition(overlayDir: string): Promise<OverlayDefinition> {
  const file = join(overlayDir, OVERLAY_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InvalidManifestError(`${file} is missing — every overlay needs description and flips`, { cause: e });
  }
  const docs = parseAllDocuments(text);
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (!doc || doc.errors.length > 0) {
    throw new InvalidManifestError(`${file}: invalid YAML: ${doc?.errors[0]?.message.split('\n')[0] ?? 'empty'}`);
  }
  const v: unknown = doc.toJS();
  if (!isRecord(v)) throw new InvalidManifestError(`${file}: must be a mapping with description and flips`);
  if (typeof v.description !== 'string' || !v.description.trim()) throw new InvalidManifestError(`${file}: description: missing`);
  if (!Array.isArray(v.flips) || v.flips.length === 0 || !v.flips.every((f) => typeof f === 'string' && f)) {
    throw new InvalidManifestError(`${file}: flips: must be a non-empty list of criterion ids`);
  }
  const known = new Set(['description', 'flips', 'remove', 'name']);
  const extra = Object.keys(v).filter((k) => !known.has(k));
  if (extra.length) throw new InvalidManifestError(`${file}: unknown field ${extra[0]} (allowed: description, flips, remove)`);
  const def: OverlayDefinition = { name: basename(overlayDir), description: v.description.trim(), flips: v.flips as string[] };
  const remove = parseRemove(v.remove, file);
  if (remove) def.remove = remove;
  return def;
}

/**
 * The overlay's objects: the baseline minus `remove`, with every object of the overlay directory
 * replacing the baseline object of the same group/kind/namespace/name, or added when new.
 * A `remove` entry that matches nothing is an error (it would silently test the baseline).
 */
export async function composeOverlay(
  base: KubeObject[],
  overlayDir: string,
): Promise<{ objects: KubeObject[]; overlay: OverlayDefinition }> {
  const overlay = await readOverlayDefinition(overlayDir);
  const patches = await readObjects(overlayDir, await yamlFiles(overlayDir, [OVERLAY_FILE]));
  return { objects: applyOverlay(base, patches, overlay, overlayDir), overlay };
}

/** Pure part of composeOverlay. */
export function applyOverlay(base: KubeObject[], patches: KubeObject[], overlay: OverlayDefinition, where = overlay.name): KubeObject[] {
  const matches = (o: KubeObject, r: ResourceRef): boolean =>
    o.kind === r.kind &&
    o.metadata.name === r.name &&
    (o.metadata.namespace ?? '') === (r.namespace ?? '') &&
    (r.apiVersion === undefined || apiGroup(r.apiVersion) === apiGroup(o.apiVersion));
  let objects = base.slice();
  for (const r of overlay.remove ?? []) {
    const before = objects.length;
    objects = objects.filter((o) => !matches(o, r));
    if (objects.length === before) {
      throw new InvalidManifestError(`${where}: remove: ${refString(r)} is not in the baseline manifests — fix the overlay`);
    }
  }
  const index = new Map(objects.map((o, i) => [objectKey(o), i] as const));
  for (const p of patches) {
    const i = index.get(objectKey(p));
    if (i === undefined) {
      index.set(objectKey(p), objects.length);
      objects.push(p);
    } else {
      objects[i] = p;
    }
  }
  return objects;
}

/** Every overlays/<name>/ of a scenario that holds an overlay.yaml, sorted by name. */
export async function listOverlays(scenarioDir: string): Promise<OverlayDefinition[]> {
  const root = join(scenarioDir, 'overlays');
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: OverlayDefinition[] = [];
  for (const n of names.sort()) {
    const dir = join(root, n);
    if (!(await stat(dir)).isDirectory()) continue;
    out.push(await readOverlayDefinition(dir));
  }
  return out;
}
