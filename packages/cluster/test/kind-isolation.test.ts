import { randomBytes } from 'node:crypto';
/**
 * Kubeconfig isolation of the kind provider, with a fake `kind` executable on PATH: a real process
 * that records its argv and environment, and behaves like kind for the files it is given.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRedactor } from '@isoproof/core';
import { KindProvider } from '../src/index';
import { kindLogExcluded } from '../src/kind/args';

// Generated at test time so the repository secret scan has nothing to find in this file.
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = [b64url({ alg: 'RS256', kid: 'x' }), b64url({ sub: 'system:serviceaccount:a:b' }), randomBytes(24).toString('base64url')].join('.');
const SECRET = `planted-kind-${randomBytes(6).toString('hex')}`;

const FAKE_KIND = `#!/bin/bash
# fake kind: log argv + env, keep a cluster list in $FAKE_KIND_STATE
set -u
{
  printf 'ARGV'; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'
  printf 'KUBECONFIG\\t%s\\n' "\${KUBECONFIG:-}"
} >> "$FAKE_KIND_LOG"
state="$FAKE_KIND_STATE"; touch "$state"
arg() { local want="$1"; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
name=$(arg --name "$@")
kc=$(arg --kubeconfig "$@")
case "$1 \${2:-}" in
  "create cluster")
    echo "$name" >> "$state"
    printf 'apiVersion: v1\\nkind: Config\\nclusters: []\\ncurrent-context: kind-%s\\n' "$name" > "$kc"
    [ -n "$(arg --config "$@")" ] && cp "$(arg --config "$@")" "$FAKE_KIND_LOG.config"
    ;;
  "get clusters") cat "$state" ;;
  "export kubeconfig") printf 'apiVersion: v1\\nkind: Config\\n' > "$kc" ;;
  "delete cluster") grep -vx "$name" "$state" > "$state.tmp"; mv "$state.tmp" "$state" ;;
  "load image-archive") test -f "$3" || { echo "ERROR: no archive $3" >&2; exit 1; } ;;
  "export logs")
    mkdir -p "$3/n1/pods/ns_pod_uid/app" "$3/n1/containers" && echo log > "$3/kind-version.txt"
    printf 'I0101 kubelet token=%s secret=%s\\n' "\${FAKE_JWT:-}" "\${FAKE_SECRET:-}" > "$3/n1/kubelet.log"
    printf 'pod prints %s\\n' "\${FAKE_JWT:-}" > "$3/n1/pods/ns_pod_uid/app/0.log"
    printf 'container prints %s\\n' "\${FAKE_SECRET:-}" > "$3/n1/containers/app.log"
    ;;
  *) echo "ERROR: unknown command $*" >&2; exit 1 ;;
esac
`;

let root: string;
let home: string;
let log: string;
const userKube = () => join(home, '.kube', 'config');
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'isoproof-fake-kind-'));
  home = join(root, 'home');
  const bin = join(root, 'bin');
  mkdirSync(join(home, '.kube'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(join(bin, 'kind'), FAKE_KIND);
  chmodSync(join(bin, 'kind'), 0o755);
  writeFileSync(userKube(), 'apiVersion: v1\nkind: Config\ncurrent-context: users-own\n');
  log = join(root, 'kind.log');
  for (const k of ['PATH', 'HOME', 'KUBECONFIG', 'FAKE_KIND_LOG', 'FAKE_KIND_STATE', 'XDG_CACHE_HOME', 'FAKE_JWT', 'FAKE_SECRET']) saved[k] = process.env[k];
  process.env.PATH = `${bin}:${process.env.PATH}`;
  process.env.HOME = home;
  process.env.KUBECONFIG = userKube(); // a user who exported KUBECONFIG: must be overridden for kind
  delete process.env.XDG_CACHE_HOME;
  process.env.FAKE_KIND_LOG = log;
  process.env.FAKE_KIND_STATE = join(root, 'clusters');
  process.env.FAKE_JWT = JWT;
  process.env.FAKE_SECRET = SECRET;
  defaultRedactor.register(SECRET);
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function calls(): Array<{ argv: string[]; kubeconfig: string }> {
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  const out: Array<{ argv: string[]; kubeconfig: string }> = [];
  for (let i = 0; i < lines.length; i += 2) {
    out.push({ argv: lines[i]!.split('\t').slice(1), kubeconfig: lines[i + 1]!.split('\t')[1] ?? '' });
  }
  return out;
}

describe('KindProvider with a fake kind on PATH', () => {
  it('creates, reuses, loads, exports logs, sweeps and destroys without touching ~/.kube/config', async () => {
    const before = readFileSync(userKube(), 'utf8');
    const mtime = statSync(userKube()).mtimeMs;
    const ours = join(home, '.cache', 'isoproof', 'kind', 'isoproof-t1.kubeconfig');

    const provider = new KindProvider().withName('isoproof-t1');
    {
      await using cluster = await provider.create();
      expect(cluster.kubeconfigPath).toBe(ours);
      expect(cluster.context).toBe('kind-isoproof-t1');
      expect(cluster.owned).toBe(true);
      expect(statSync(ours).mode & 0o777).toBe(0o600);
      expect(cluster.facts.auditLogPath).toBe(join(home, '.cache', 'isoproof', 'kind', 'isoproof-t1', 'audit', 'audit.log'));
      const archive = join(root, 'agnhost.tar');
      writeFileSync(archive, 'x');
      await cluster.loadImages([archive]);
      await cluster.exportLogs(join(root, 'logs'));
      expect(existsSync(join(root, 'logs', 'kind-version.txt'))).toBe(true);
      // Only a redacted copy reaches the artifacts: node logs redacted, pod/container logs left out.
      const kubelet = readFileSync(join(root, 'logs', 'n1', 'kubelet.log'), 'utf8');
      expect(kubelet).toMatch(/^I0101 kubelet token=hmac:[0-9a-f]{16} secret=hmac:[0-9a-f]{16}\n$/);
      expect(existsSync(join(root, 'logs', 'n1', 'pods'))).toBe(false);
      expect(existsSync(join(root, 'logs', 'n1', 'containers'))).toBe(false);
      const readme = readFileSync(join(root, 'logs', 'README.isoproof.txt'), 'utf8');
      expect(readme).toContain('pod and container logs (*/pods/*, */containers/*) are left out');
      expect(readme).toContain('n1/pods/');
      for (const f of ['kind-version.txt', 'n1/kubelet.log', 'README.isoproof.txt']) {
        const text = readFileSync(join(root, 'logs', f), 'utf8');
        expect(text).not.toContain(JWT);
        expect(text).not.toContain(SECRET);
      }
      // kind wrote the raw logs to a private temp dir, gone now.
      const rawDir = readFileSync(log, 'utf8').split('\n').find((l) => l.startsWith('ARGV\texport\tlogs'))!.split('\t')[3]!;
      expect(rawDir).not.toBe(join(root, 'logs'));
      expect(existsSync(rawDir)).toBe(false);

      const reused = await new KindProvider().reuse('isoproof-t1');
      expect(reused.owned).toBe(false);
      await reused[Symbol.asyncDispose](); // not owned: no delete
      expect(await provider.up().then((h) => h.owned)).toBe(false); // exists -> reuse
    } // await using: owned -> kind delete cluster

    await new KindProvider().withName('isoproof-t2').create();
    await new KindProvider().withName('other-cluster').create();
    expect(await new KindProvider().sweep()).toEqual(['isoproof-t2']);
    expect(readFileSync(join(root, 'clusters'), 'utf8').trim()).toBe('other-cluster');

    const all = calls();
    const verbs = all.map((c) => c.argv.slice(0, 2).join(' '));
    expect(verbs).toEqual([
      'create cluster',
      'load image-archive',
      'export logs',
      'get clusters',
      'export kubeconfig',
      'get clusters',
      'get clusters',
      'export kubeconfig',
      'delete cluster',
      'create cluster',
      'create cluster',
      'get clusters',
      'delete cluster',
    ]);
    const create = all[0]!.argv;
    expect(create.slice(0, 8)).toEqual(['create', 'cluster', '--name', 'isoproof-t1', '--kubeconfig', ours, '--wait', '120s']);
    expect(create).toContain('--config');
    // The rendered config mounts the repo's audit policy and the cluster's own audit dir.
    const rendered = JSON.parse(readFileSync(`${log}.config`, 'utf8'));
    const mounts = rendered.nodes[0].extraMounts.map((m: { hostPath: string }) => m.hostPath);
    expect(mounts[0]).toMatch(/clusters\/kind\/audit-policy\.yaml$/);
    expect(existsSync(mounts[0])).toBe(true);

    for (const c of all) {
      // KUBECONFIG of every kind process is a file of ours; argv never names the user's config.
      expect(c.kubeconfig.startsWith(join(home, '.cache', 'isoproof', 'kind'))).toBe(true);
      expect(c.argv.join(' ')).not.toContain(userKube());
      expect(c.argv.join(' ')).not.toContain('.kube/config');
    }
    expect(readFileSync(userKube(), 'utf8')).toBe(before);
    expect(statSync(userKube()).mtimeMs).toBe(mtime);
    expect(existsSync(ours)).toBe(false); // removed with the cluster
  });

  it('fails with one line naming the kind command and kind\'s error', async () => {
    const cluster = await new KindProvider().withName('isoproof-t3').create();
    const err = await cluster.loadImages([join(root, 'missing.tar')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ISOPROOF_PROVIDER_COMMAND' });
    expect((err as Error).message).toMatch(/^kind load image-archive failed \(exit 1\): ERROR: no archive .*missing\.tar$/);
    await cluster.destroy();
  });

  it('reports a missing kind binary as ISOPROOF_PROVIDER_UNAVAILABLE', async () => {
    const err = await new KindProvider().withKindBinary(join(root, 'no-such-kind')).sweep().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ISOPROOF_PROVIDER_UNAVAILABLE' });
  });
});

describe('kindLogExcluded', () => {
  it.each([
    ['n1/pods', true, true],
    ['n1/containers', true, true],
    ['n1/pods/ns_pod_uid/app/0.log', false, true],
    ['n1/containers/app.log', false, true],
    ['pods', true, false],
    ['n1/kubelet.log', false, false],
    ['n1/kubernetes-version.txt', false, false],
    ['n1/pods-summary.txt', false, false],
    ['n1/pods', false, false],
  ])('%s (dir %s) -> %s', (rel, isDir, want) => {
    expect(kindLogExcluded(rel, isDir)).toBe(want);
  });
});
