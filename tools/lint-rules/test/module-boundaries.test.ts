import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { createProjectGraphAsync } from '@nx/devkit';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RULE = '@nx/enforce-module-boundaries';

let eslint: ESLint;

beforeAll(async () => {
  // The rule reads Nx's cached project graph and silently skips without one; a stale one (tags or
  // projects changed since) gives wrong answers: compute it afresh.
  await createProjectGraphAsync({ exitOnError: false });
  eslint = new ESLint({ cwd: ROOT });
}, 120_000);

/** The messages of `RULE` for `code` linted as if it were the file `file` (relative to the workspace root). */
async function boundaryErrors(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${file}` });
  expect(result, `${file} was linted`).toBeDefined();
  expect(result!.messages.filter((m) => m.fatal), 'the code parses').toEqual([]);
  return result!.messages.filter((m) => m.ruleId === RULE && m.severity === 2).map((m) => m.message);
}

describe('module boundaries fail the lint on a forbidden import', () => {
  it.each([
    ['core imports no workspace package', "import { loadKube } from '@isoproof/kube';", 'packages/core/src/forbidden.ts'],
    ['a probe imports no other probe', "import { RBAC_FAMILY } from '@isoproof/probe-rbac';", 'packages/probe-admission/src/forbidden.ts'],
    ['cluster imports no report', "import { copyRedacted } from '@isoproof/report';", 'packages/cluster/src/forbidden.ts'],
    ['run imports no cli', "import { main } from '@isoproof/cli';", 'packages/run/src/forbidden.ts'],
    ['kube imports no probe', "import { x } from '@isoproof/probe-tls';", 'packages/kube/src/forbidden.ts'],
    ['report imports no kube', "import { x } from '@isoproof/kube';", 'packages/report/src/forbidden.ts'],
    ['a scenario imports no cli', "import { main } from '@isoproof/cli';", 'scenarios/pod-security/src/forbidden.ts'],
    ['a package does not import itself by name', "import { x } from '@isoproof/core';", 'packages/core/src/forbidden.ts'],
    ['no relative import across package roots', "import { x } from '../../kube/src/index';", 'packages/core/src/forbidden.ts'],
    ['a lazy import is checked too', "export const k = () => import('@isoproof/kube');", 'packages/core/src/forbidden.ts'],
  ])('%s', async (_what, code, file) => {
    const errors = await boundaryErrors(`${code}\nexport {};\n`, file);
    expect(errors, `${file}: ${code}`).toHaveLength(1);
  });

  it('a probe test may use report, but no other probe', async () => {
    expect(await boundaryErrors("import { x } from '@isoproof/report';", 'packages/probe-secrets/test/forbidden.test.ts')).toEqual([]);
    expect(await boundaryErrors("import { x } from '@isoproof/probe-rbac';", 'packages/probe-secrets/test/forbidden.test.ts')).toHaveLength(1);
  });
});

describe('allowed imports pass', () => {
  it.each([
    ['a probe imports kube and core', "import { x } from '@isoproof/kube';\nimport { y } from '@isoproof/core';", 'packages/probe-network/src/allowed.ts'],
    ['kube imports core', "import { x } from '@isoproof/core';", 'packages/kube/src/allowed.ts'],
    ['cli imports run and below', "import { x } from '@isoproof/run';\nimport { y } from '@isoproof/bundle';", 'packages/cli/src/allowed.ts'],
    ['run imports cluster and probes', "import { x } from '@isoproof/cluster';\nimport { y } from '@isoproof/probe-tls';", 'packages/run/src/allowed.ts'],
    ['bundle imports report', "import { x } from '@isoproof/report';", 'packages/bundle/src/allowed.ts'],
    ['a scenario imports run, a probe and report', "import { x } from '@isoproof/run';\nimport { y } from '@isoproof/probe-tls';\nimport { z } from '@isoproof/report';", 'scenarios/tls-endpoints/test/allowed.test.ts'],
    ['a relative import inside the package', "import { x } from './model';", 'packages/core/src/allowed.ts'],
  ])('%s', async (_what, code, file) => {
    expect(await boundaryErrors(`${code}\nexport {};\n`, file)).toEqual([]);
  });
});
