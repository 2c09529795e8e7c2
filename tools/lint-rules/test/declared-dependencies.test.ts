import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workspaceImportsOf, workspacePackages } from '../src/index';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const packages = workspacePackages(ROOT, ['packages', 'scenarios', 'tools']);

describe('every package.json declares the workspace packages it imports', () => {
  it('finds the workspace', () => {
    expect(packages.length).toBeGreaterThan(15);
    expect(packages.map((p) => p.name)).toContain('@isoproof/core');
  });

  it.each(packages.map((p) => [p.name, p] as const))('%s', (_name, pkg) => {
    const imports = workspaceImportsOf(pkg);
    expect({ dependencies: pkg.dependencies, devDependencies: pkg.devDependencies }, 'src/ and bin/ imports are dependencies; those only tests, benches or configs use are devDependencies').toEqual({
      dependencies: imports.src,
      devDependencies: imports.other,
    });
  });

  it('sees imports, lazy and type-only ones too', () => {
    const run = workspaceImportsOf(packages.find((p) => p.name === '@isoproof/run')!);
    expect(run.src).toEqual(expect.arrayContaining(['@isoproof/core', '@isoproof/cluster', '@isoproof/probe-tls']));
    expect(run.src).not.toContain('@isoproof/run');
  });
});
