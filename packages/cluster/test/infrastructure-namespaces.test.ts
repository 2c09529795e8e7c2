/**
 * Guard: no scenario may use a namespace of the clusters' own infrastructure. A scenario's forced
 * server-side apply adopts an existing namespace and its prune/cleanup then deletes it with all it
 * holds: the kind Traefik namespace was once `isoproof-ingress`, also a service-segmentation
 * namespace, and every service-segmentation run would have deleted Traefik.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { infrastructureNamespaceObjects } from '../src/index';
import { INFRASTRUCTURE_NAMESPACES } from '../src/infrastructure';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out.sort();
}

interface Obj {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  subjects?: Array<{ namespace?: string }>;
}
/** Kubernetes objects of a file (documents with kind and metadata.name); others (kind Cluster configs, Traefik configs) skipped. */
function objects(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => !!o && typeof o === 'object' && typeof o.kind === 'string' && typeof o.metadata?.name === 'string');
}
/** Namespaces objects create or live in (a Namespace's name, metadata.namespace, RBAC subjects' namespaces). */
function namespacesOf(objs: Obj[]): Set<string> {
  const ns = new Set<string>();
  for (const o of objs) {
    if (o.kind === 'Namespace') ns.add(o.metadata!.name!);
    if (o.metadata?.namespace) ns.add(o.metadata.namespace);
    for (const s of o.subjects ?? []) if (s.namespace) ns.add(s.namespace);
  }
  return ns;
}

const kindInfra = namespacesOf(yamlFiles(join(REPO, 'clusters/kind')).flatMap(objects));
const localInfra = namespacesOf(yamlFiles(join(REPO, 'clusters/local')).flatMap(objects));
const scenarioFiles = readdirSync(join(REPO, 'scenarios'))
  .filter((s) => statSync(join(REPO, 'scenarios', s)).isDirectory())
  .flatMap((s) => ['manifests', 'overlays'].map((d) => join(REPO, 'scenarios', s, d)))
  .filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })
  .flatMap(yamlFiles);

describe('infrastructure namespaces', () => {
  it('the provider manifests declare the namespaces listed in INFRASTRUCTURE_NAMESPACES', () => {
    expect(kindInfra).toContain('isoproof-system'); // the kind Traefik
    for (const ns of kindInfra) expect([...INFRASTRUCTURE_NAMESPACES.kind, ...INFRASTRUCTURE_NAMESPACES.kubernetes], `clusters/kind: ${ns}`).toContain(ns);
    for (const ns of localInfra) expect([...INFRASTRUCTURE_NAMESPACES.local, ...INFRASTRUCTURE_NAMESPACES.kubernetes], `clusters/local: ${ns}`).toContain(ns);
  });

  it('scenario manifests and overlays exist to be checked', () => {
    expect(scenarioFiles.length).toBeGreaterThan(10);
  });

  it('no manifest under scenarios/ uses a namespace of kind, local or Kubernetes itself', () => {
    const clashes: string[] = [];
    const infra = new Set([...kindInfra, ...localInfra, ...Object.values(INFRASTRUCTURE_NAMESPACES).flat()]);
    for (const f of scenarioFiles) {
      for (const what of infrastructureNamespaceObjects(objects(f), infra)) clashes.push(`${relative(REPO, f)}: ${what}`);
      for (const ns of namespacesOf(objects(f))) if (kindInfra.has(ns) || localInfra.has(ns)) clashes.push(`${relative(REPO, f)}: namespace ${ns}`);
    }
    expect(clashes).toEqual([]);
  });

  it('infrastructureNamespaceObjects names the Namespace or the namespaced object', () => {
    expect(
      infrastructureNamespaceObjects([
        { kind: 'Namespace', metadata: { name: 'isoproof-system' } },
        { kind: 'Namespace', metadata: { name: 'e-commerce' } },
        { kind: 'Deployment', metadata: { name: 'traefik', namespace: 'isoproof-system' } },
        { kind: 'ConfigMap', metadata: { name: 'c', namespace: 'isoproof-ingress' } },
      ]),
    ).toEqual(['Namespace/isoproof-system', 'Deployment isoproof-system/traefik']);
  });
});
