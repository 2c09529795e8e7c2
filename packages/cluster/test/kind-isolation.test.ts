import { randomBytes } from 'node:crypto';
/**
 * Kubeconfig isolation of the kind provider, with a fake `kind` executable on PATH: a real process
 * that records its argv and environment, and behaves like kind for the files it is given.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRedactor, images } from '@isoproof/core';
import { KindProvider } from '../src/index';
import { kindLogExcluded } from '../src/kind/args';

/** The provider against the fake kind below: no API server stands behind it, so nothing to settle. */
const fakeKindProvider = () => new KindProvider().withSettle(false);

// Generated at test time so the repository secret scan has nothing to find in this file.
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = [b64url({ alg: 'RS256', kid: 'x' }), b64url({ sub: 'system:serviceaccount:a:b' }), randomBytes(24).toString('base64url')].join('.');
const SECRET = `planted-kind-${randomBytes(6).toString('hex')}`;

const FAKE_KIND = `#!/bin/bash
# fake kind: log argv + env, keep a cluster list in $FAKE_KIND_STATE and each node's images in
# $FAKE_KIND_STATE.node-<cluster> (what a load put there, as the fake docker's crictl sees it)
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
    [ -n "$(arg --config "$@")" ] && cp "$(arg --config "$@")" "$FAKE_KIND_LOG.config.$name"
    if [ -n "\${FAKE_NODE_PRELOADED:-}" ]; then printf '%s\\n' $FAKE_NODE_PRELOADED > "$state.node-$name"; fi
    ;;
  "get clusters") cat "$state" ;;
  "get nodes") grep -qx "$name" "$state" && echo "$name-control-plane" ;;
  "export kubeconfig") printf 'apiVersion: v1\\nkind: Config\\n' > "$kc" ;;
  "delete cluster") grep -vx "$name" "$state" > "$state.tmp"; mv "$state.tmp" "$state"; rm -f "$state.node-$name" ;;
  "load image-archive")
    test -f "$3" || { echo "ERROR: no archive $3" >&2; exit 1; }
    tar -xOf "$3" manifest.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const e of JSON.parse(s))for(const t of e.RepoTags||[])console.log(t)})' >> "$state.node-$name"
    ;;
  "export logs")
    mkdir -p "$3/n1/pods/ns_pod_uid/app" "$3/n1/containers" && echo log > "$3/kind-version.txt"
    printf 'I0101 kubelet token=%s secret=%s\\n' "\${FAKE_JWT:-}" "\${FAKE_SECRET:-}" > "$3/n1/kubelet.log"
    printf 'pod prints %s\\n' "\${FAKE_JWT:-}" > "$3/n1/pods/ns_pod_uid/app/0.log"
    printf 'container prints %s\\n' "\${FAKE_SECRET:-}" > "$3/n1/containers/app.log"
    ;;
  *) echo "ERROR: unknown command $*" >&2; exit 1 ;;
esac
`;

/** A docker-save archive (only manifest.json matters to the provider and the fake kind). */
function makeArchive(file: string, tags: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), 'isoproof-fake-archive-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{ Config: 'c.json', RepoTags: tags, Layers: [] }]));
  execFileSync('tar', ['-cf', file, '-C', dir, 'manifest.json']);
}

// fake docker: Docker's images in $FAKE_DOCKER_IMAGES (one per line), the engine API version in
// $FAKE_DOCKER_API; `exec <cluster>-control-plane crictl inspecti IMAGE` answers from the node's list.
const FAKE_DOCKER = `#!/bin/bash
set -u
{ printf 'DOCKER'; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> "$FAKE_DOCKER_LOG"
images="$FAKE_DOCKER_IMAGES"; touch "$images"
case "$1" in
  version) echo "\${FAKE_DOCKER_API:-1.48} amd64" ;;
  image) [ "$2" = inspect ] && grep -qxF "\${@: -1}" "$images" && echo sha256:0 ;;
  exec)
    node="$2"; cluster="\${node%-control-plane}"
    [ "$3 $4" = "crictl inspecti" ] && grep -qxF "$5" "$FAKE_KIND_STATE.node-$cluster" 2>/dev/null && exit 0
    echo "no such image" >&2; exit 1 ;;
  save)
    out=""; img="\${@: -1}"; prev=""
    for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
    grep -qxF "$img" "$images" || { echo "Error: No such image: $img" >&2; exit 1; }
    d=$(mktemp -d); printf '[{"RepoTags":["%s"]}]' "$img" > "$d/manifest.json"; tar -cf "$out" -C "$d" manifest.json; rm -rf "$d" ;;
  pull) echo "Error response from daemon: no registry here" >&2; exit 1 ;;
  load) echo "loaded" ;;
  inspect) echo "Error: No such object: \${@: -1}" >&2; exit 1 ;;
  *) echo "unexpected docker $*" >&2; exit 1 ;;
esac
`;

const AGNHOST = images.probe;
const PAUSE = images.pause;

let root: string;
let home: string;
let log: string;
let dockerLog: string;
const userKube = () => join(home, '.kube', 'config');
const saved: Record<string, string | undefined> = {};
const ENV_KEYS = ['PATH', 'HOME', 'KUBECONFIG', 'FAKE_KIND_LOG', 'FAKE_KIND_STATE', 'XDG_CACHE_HOME', 'FAKE_JWT', 'FAKE_SECRET', 'FAKE_DOCKER_LOG', 'FAKE_DOCKER_IMAGES', 'FAKE_DOCKER_API', 'FAKE_NODE_PRELOADED', 'DOCKER_HOST'];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'isoproof-fake-kind-'));
  home = join(root, 'home');
  const bin = join(root, 'bin');
  mkdirSync(join(home, '.kube'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(join(bin, 'kind'), FAKE_KIND);
  chmodSync(join(bin, 'kind'), 0o755);
  writeFileSync(join(bin, 'docker'), FAKE_DOCKER);
  chmodSync(join(bin, 'docker'), 0o755);
  writeFileSync(userKube(), 'apiVersion: v1\nkind: Config\ncurrent-context: users-own\n');
  log = join(root, 'kind.log');
  dockerLog = join(root, 'docker.log');
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  process.env.PATH = `${bin}:${process.env.PATH}`;
  process.env.HOME = home;
  process.env.KUBECONFIG = userKube(); // a user who exported KUBECONFIG: must be overridden for kind
  delete process.env.XDG_CACHE_HOME;
  process.env.FAKE_KIND_LOG = log;
  process.env.FAKE_KIND_STATE = join(root, 'clusters');
  process.env.FAKE_JWT = JWT;
  process.env.FAKE_SECRET = SECRET;
  process.env.FAKE_DOCKER_LOG = dockerLog;
  process.env.FAKE_DOCKER_IMAGES = join(root, 'docker-images');
  // No Docker engine for testcontainers (the external listener): it is tested against a real one elsewhere.
  process.env.DOCKER_HOST = `unix://${join(root, 'no-docker.sock')}`;
  writeFileSync(join(root, 'docker-images'), `${PAUSE}\n`);
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
function dockerCalls(): string[][] {
  return existsSync(dockerLog) ? readFileSync(dockerLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t').slice(1)) : [];
}
const renderedConfig = (name: string) =>
  JSON.parse(readFileSync(`${log}.config.${name}`, 'utf8')) as { nodes: Array<{ extraMounts: Array<{ hostPath: string }>; extraPortMappings: Array<{ containerPort: number; hostPort: number; listenAddress: string }> }> };

describe('KindProvider with a fake kind (and docker) on PATH', () => {
  it('creates, reuses, loads, exports logs, sweeps and destroys without touching ~/.kube/config', async () => {
    const before = readFileSync(userKube(), 'utf8');
    const mtime = statSync(userKube()).mtimeMs;
    const ours = join(home, '.cache', 'isoproof', 'kind', 'isoproof-t1.kubeconfig');
    const archives = join(root, 'archives');
    mkdirSync(archives);
    makeArchive(join(archives, 'agnhost.tar'), [AGNHOST]);
    const lines: string[] = [];

    const provider = fakeKindProvider().withName('isoproof-t1').withImageArchives(archives).withLog((l) => lines.push(l));
    {
      await using cluster = await provider.create();
      expect(cluster.kubeconfigPath).toBe(ours);
      expect(cluster.context).toBe('kind-isoproof-t1');
      expect(cluster.owned).toBe(true);
      expect(statSync(ours).mode & 0o777).toBe(0o600);
      const audit = join(home, '.cache', 'isoproof', 'kind', 'isoproof-t1', 'audit', 'audit.log');
      expect(cluster.facts.auditLogPath).toBe(audit);
      // The audit log exists before the API server starts, owned by the runner (mode 0600): the
      // server appends to it and a non-root runner can read it (it creates it root 0600 otherwise).
      const st = statSync(audit);
      expect(st.isFile()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.uid).toBe(process.getuid!());
      // Images: agnhost from the archive directory, pause from Docker (node platform only).
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^kind: images ${AGNHOST} \\(archive\\), ${PAUSE} \\(docker\\) in 1 node\\(s\\)`)));
      const save = dockerCalls().find((c) => c[0] === 'save')!;
      expect(save.slice(0, 4)).toEqual(['save', '--platform', 'linux/amd64', '-o']);
      expect(save.at(-1)).toBe(PAUSE);
      expect(existsSync(save[4]!)).toBe(false); // the private temp archive is gone
      const archive = join(root, 'agnhost.tar');
      writeFileSync(archive, 'x');
      await cluster.loadImages([join(archives, 'agnhost.tar')]);
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

      // Reuse finds the images in the node: nothing loaded again.
      const reuseLines: string[] = [];
      const reused = await fakeKindProvider().withLog((l) => reuseLines.push(l)).reuse('isoproof-t1');
      expect(reused.owned).toBe(false);
      expect(reuseLines).toContainEqual(expect.stringMatching(new RegExp(`^kind: images ${AGNHOST} \\(node\\), ${PAUSE} \\(node\\)`)));
      await reused[Symbol.asyncDispose](); // not owned: no delete
      expect(await provider.up().then((h) => h.owned)).toBe(false); // exists -> reuse
    } // await using: owned -> kind delete cluster

    await fakeKindProvider().withName('isoproof-t2').withImageArchives(archives).create();
    await fakeKindProvider().withName('other-cluster').withImageArchives(archives).create();
    expect(await fakeKindProvider().sweep()).toEqual(['isoproof-t2']);
    expect(readFileSync(join(root, 'clusters'), 'utf8').trim()).toBe('other-cluster');

    const all = calls();
    const verbs = all.map((c) => c.argv.slice(0, 2).join(' '));
    const created = ['create cluster', 'get nodes', 'load image-archive', 'load image-archive'];
    const reusedVerbs = ['get clusters', 'export kubeconfig', 'get nodes'];
    expect(verbs).toEqual([
      ...created, // t1: agnhost from the archive, pause through docker save
      'load image-archive', // loadImages
      'export logs',
      ...reusedVerbs, // reuse: images found in the node
      'get clusters', // up -> exists -> reuse
      ...reusedVerbs,
      'delete cluster',
      ...created, // t2
      ...created, // other-cluster
      'get clusters',
      'delete cluster',
    ]);
    const create = all[0]!.argv;
    expect(create.slice(0, 8)).toEqual(['create', 'cluster', '--name', 'isoproof-t1', '--kubeconfig', ours, '--wait', '120s']);
    expect(create).toContain('--config');
    // The rendered config mounts the repo's audit policy and the cluster's own audit dir.
    const rendered = renderedConfig('isoproof-t1');
    const mounts = rendered.nodes[0]!.extraMounts.map((m) => m.hostPath);
    expect(mounts[0]).toMatch(/clusters\/kind\/audit-policy\.yaml$/);
    expect(existsSync(mounts[0]!)).toBe(true);
    // Published ingress ports: free loopback ports chosen per cluster, never the local provider's.
    const ports = (name: string) => renderedConfig(name).nodes[0]!.extraPortMappings.map((p) => p.hostPort);
    for (const n of ['isoproof-t1', 'isoproof-t2', 'other-cluster']) {
      expect(ports(n)).toHaveLength(2);
      for (const p of ports(n)) {
        expect(p).toBeGreaterThan(1023);
        expect([18080, 18443]).not.toContain(p);
      }
      expect(renderedConfig(n).nodes[0]!.extraPortMappings.map((p) => p.listenAddress)).toEqual(['127.0.0.1', '127.0.0.1']);
    }
    expect(new Set([...ports('isoproof-t1'), ...ports('isoproof-t2'), ...ports('other-cluster')]).size).toBe(6);

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
    process.env.FAKE_NODE_PRELOADED = `${AGNHOST} ${PAUSE}`;
    try {
      const cluster = await fakeKindProvider().withName('isoproof-t3').create();
      const err = await cluster.loadImages([join(root, 'missing.tar')]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ISOPROOF_PROVIDER_COMMAND' });
      expect((err as Error).message).toMatch(/^kind load image-archive failed \(exit 1\): ERROR: no archive .*missing\.tar$/);
      await cluster.destroy();
    } finally {
      delete process.env.FAKE_NODE_PRELOADED;
    }
  });

  it('a project image that is nowhere fails create with one line, and the cluster is deleted', async () => {
    const lines: string[] = [];
    const from = dockerCalls().length;
    const err = await fakeKindProvider()
      .withName('isoproof-t4')
      .withImages(['isoproof.local/absent:1'])
      .withLog((l) => lines.push(l))
      .create()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ISOPROOF_PROVIDER_COMMAND' });
    expect((err as Error).message).toMatch(/^image isoproof\.local\/absent:1 is neither in the kind node, nor in an archive of ISOPROOF_IMAGE_ARCHIVES \(unset\), nor in Docker — .*set ISOPROOF_IMAGE_ARCHIVES/);
    expect((err as Error).message).not.toContain('\n');
    // never pulled: isoproof.local images are ours
    expect(dockerCalls().slice(from).filter((c) => c[0] === 'pull')).toEqual([]);
    expect(readFileSync(join(root, 'clusters'), 'utf8').split('\n')).not.toContain('isoproof-t4');
    expect(existsSync(join(home, '.cache', 'isoproof', 'kind', 'isoproof-t4'))).toBe(false);
  });

  it('Traefik: no docker pull when the node holds the image; ISOPROOF_KIND_TRAEFIK_IMAGE is the one ensured', async () => {
    const traefik = images.traefik;
    process.env.FAKE_NODE_PRELOADED = `${AGNHOST} ${PAUSE} ${traefik}`;
    const from = dockerCalls().length;
    try {
      const lines: string[] = [];
      const cluster = await fakeKindProvider().withName('isoproof-t5').withTraefikImage(traefik).withLog((l) => lines.push(l)).create();
      const mine = dockerCalls().slice(from);
      expect(mine).toContainEqual(['exec', 'isoproof-t5-control-plane', 'crictl', 'inspecti', traefik]);
      expect(mine.filter((c) => c[0] === 'pull' || c[0] === 'save')).toEqual([]);
      expect(mine.filter((c) => c.includes('traefik:v3.6.12'))).toEqual([]);
      // no API server behind the fake kubeconfig: the install fails, and no ingress fact is claimed
      expect(lines).toContainEqual(expect.stringMatching(/^kind: ingress controller not installed \(.*\); ingress facts left unset$/));
      expect(cluster.facts.ingressAddress).toBeUndefined();
      await cluster.destroy();
    } finally {
      delete process.env.FAKE_NODE_PRELOADED;
    }
  });

  it('Traefik: pulled only when neither the node, the archives nor Docker have it (a failed pull leaves the facts unset)', async () => {
    process.env.FAKE_NODE_PRELOADED = `${AGNHOST} ${PAUSE}`;
    const from = dockerCalls().length;
    try {
      const lines: string[] = [];
      const cluster = await fakeKindProvider().withName('isoproof-t6').withLog((l) => lines.push(l)).create();
      expect(dockerCalls().slice(from).filter((c) => c[0] === 'pull')).toEqual([['pull', 'traefik:v3.6.12']]);
      expect(lines).toContainEqual(expect.stringMatching(/^kind: ingress controller not installed \(docker pull traefik:v3\.6\.12 failed: .*no registry here\)/));
      expect(cluster.facts.ingressAddress).toBeUndefined();
      await cluster.destroy();
    } finally {
      delete process.env.FAKE_NODE_PRELOADED;
    }
  });

  it('down deletes without loading anything; a missing cluster is one line', async () => {
    process.env.FAKE_NODE_PRELOADED = `${AGNHOST} ${PAUSE}`;
    try {
      await fakeKindProvider().withName('isoproof-t7').withIngress(false).create();
    } finally {
      delete process.env.FAKE_NODE_PRELOADED;
    }
    const from = calls().length;
    // `isoproof down --logs DIR`: the redacted export, then the delete
    const out = join(root, 'down-logs');
    await fakeKindProvider().exportLogs('isoproof-t7', out);
    expect(readFileSync(join(out, 'n1', 'kubelet.log'), 'utf8')).not.toContain(SECRET);
    expect(existsSync(join(out, 'n1', 'pods'))).toBe(false);
    await fakeKindProvider().down('isoproof-t7');
    expect(calls().slice(from).map((c) => c.argv.slice(0, 2).join(' '))).toEqual(['export logs', 'get clusters', 'delete cluster']);
    expect(existsSync(join(home, '.cache', 'isoproof', 'kind', 'isoproof-t7'))).toBe(false);
    await expect(fakeKindProvider().down('isoproof-t7')).rejects.toMatchObject({ code: 'ISOPROOF_PROVIDER_UNAVAILABLE', message: expect.stringContaining('does not exist') });
  });

  it('reports a missing kind binary as ISOPROOF_PROVIDER_UNAVAILABLE', async () => {
    const err = await fakeKindProvider().withKindBinary(join(root, 'no-such-kind')).sweep().catch((e: unknown) => e);
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
