import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/** A workspace package: where it lives and what its package.json declares. */
export interface WorkspacePackage {
  dir: string;
  name: string;
  dependencies: string[];
  devDependencies: string[];
}

const SCOPE = '@isoproof/';
const CODE = /\.(c|m)?(t|j)s$/;

/** The workspace packages a file imports: static, type-only, re-exported and lazy (`import('…')`), read by TypeScript's scanner. */
function importedPackages(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith(SCOPE))
    .map((name) => name.split('/').slice(0, 2).join('/'));
}

/** The workspace packages under the given folders (each folder's children that hold a package.json). */
export function workspacePackages(root: string, folders: readonly string[]): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const folder of folders) {
    const base = join(root, folder);
    if (!existsSync(base)) continue;
    for (const child of readdirSync(base).sort()) {
      const file = join(base, child, 'package.json');
      if (!existsSync(file)) continue;
      const json = JSON.parse(readFileSync(file, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const scoped = (deps?: Record<string, string>) => Object.keys(deps ?? {}).filter((d) => d.startsWith(SCOPE)).sort();
      out.push({ dir: join(base, child), name: json.name, dependencies: scoped(json.dependencies), devDependencies: scoped(json.devDependencies) });
    }
  }
  return out;
}

/**
 * The workspace packages a package's code imports, split by where: `src` (its src/ and bin/) and `other`
 * (tests, benches, configs) less those already in `src`. The package's own name is left out.
 */
export function workspaceImportsOf(pkg: Pick<WorkspacePackage, 'dir' | 'name'>): { src: string[]; other: string[] } {
  const src = new Set<string>();
  const other = new Set<string>();
  for (const file of codeFiles(pkg.dir)) {
    const top = relative(pkg.dir, file).split(sep)[0];
    const into = top === 'src' || top === 'bin' ? src : other;
    for (const name of importedPackages(readFileSync(file, 'utf8'))) if (name !== pkg.name) into.add(name);
  }
  return { src: [...src].sort(), other: [...other].filter((n) => !src.has(n)).sort() };
}

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...codeFiles(path));
    else if (CODE.test(entry)) out.push(path);
  }
  return out;
}
