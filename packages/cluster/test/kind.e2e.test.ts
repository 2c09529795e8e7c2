/**
 * The kind provider on a real kind cluster: what KIND-NOTES found missing, proven on the real thing.
 * Images get into the node by themselves (one only in Docker: `docker save` + `kind load
 * image-archive`), the audit log is the file the provider created (owned by the runner, 0600) and the
 * API server appends to it, the ingress ports are free loopback ports (never the local provider's)
 * that the node really publishes, reuse loads nothing again, down leaves nothing.
 * Needs kind on PATH, Docker, and ISOPROOF_KIND_NODE_IMAGE (never kind's default image pulled
 * implicitly); ISOPROOF_KIND_TRAEFIK_IMAGE and ISOPROOF_IMAGE_ARCHIVES are honoured. Skips with the
 * reason otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KindProvider } from '../src/index';
import { PROJECT_IMAGES } from '../src/kind/images';
import { EXTERNAL_LISTENER_IMAGE } from '../src/kind/external-listener';
import { tcpConnect } from '../src/kind/port-wait';

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

const nodeImage = process.env.ISOPROOF_KIND_NODE_IMAGE;
const docker = run('docker', ['info', '--format', '{{.ServerVersion}}']);
const kind = run('kind', ['version']);
const hasAgnhost = docker !== undefined && run('docker', ['image', 'inspect', EXTERNAL_LISTENER_IMAGE]) !== undefined;
const why = !nodeImage
  ? 'ISOPROOF_KIND_NODE_IMAGE is unset (no node image named; kind\'s default is never pulled implicitly)'
  : docker === undefined
    ? '`docker info` failed'
    : kind === undefined
      ? 'kind is not on PATH'
      : `image ${EXTERNAL_LISTENER_IMAGE} is not in Docker`;
const ready = !!nodeImage && docker !== undefined && kind !== undefined && hasAgnhost;

const NAME = 'isoproof-e2e-kindprov';
const ONLY_IN_DOCKER = 'isoproof.local/kind-e2e:only-in-docker';

describe.skipIf(!ready)('KindProvider on a real kind cluster', () => {
  it('create loads images itself, keeps the audit log readable, publishes free loopback ports; reuse loads nothing; down leaves nothing', async () => {
    const lines: string[] = [];
    const images = [...PROJECT_IMAGES, ONLY_IN_DOCKER];
    expect(run('docker', ['tag', EXTERNAL_LISTENER_IMAGE, ONLY_IN_DOCKER])).toBeDefined();
    const provider = new KindProvider()
      .withName(NAME)
      .withNodeImage(nodeImage)
      .withTraefikImage(process.env.ISOPROOF_KIND_TRAEFIK_IMAGE)
      .withImageArchives(process.env.ISOPROOF_IMAGE_ARCHIVES)
      .withImages(images)
      .withLog((l) => lines.push(l));
    try {
      const t0 = Date.now();
      const cluster = await provider.create();
      process.stderr.write(`kind provider e2e: create ${Math.round((Date.now() - t0) / 1000)} s\n${lines.join('\n')}\n`);
      const node = `${NAME}-control-plane`;
      // the tag that only Docker had went through docker save + kind load image-archive
      expect(lines.join('\n')).toContain(`${ONLY_IN_DOCKER} (docker)`);
      for (const image of images) expect(run('docker', ['exec', node, 'crictl', 'inspecti', image]), image).toBeDefined();
      // the audit log is the provider's file: runner-owned, 0600, written by the API server
      const audit = cluster.facts.auditLogPath!;
      const st = statSync(audit);
      expect(st.uid).toBe(process.getuid!());
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.size).toBeGreaterThan(0);
      expect(readFileSync(audit, 'utf8').split('\n')[0]).toMatch(/"kind":"Event"/);
      // ingress: the ports the node publishes, free loopback ones, never the local provider's
      expect(cluster.facts.ingressAddress, lines.join('\n')).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(run('docker', ['port', node, '443/tcp'])?.split('\n')).toContain(cluster.facts.ingressAddress);
      expect(run('docker', ['port', node, '80/tcp'])?.split('\n')).toContain(cluster.facts.ingressHttpAddress);
      for (const a of [cluster.facts.ingressAddress!, cluster.facts.ingressHttpAddress!]) {
        const port = Number(a.split(':')[1]);
        expect([18080, 18443]).not.toContain(port);
        expect(await tcpConnect('127.0.0.1', port, 3_000), a).toBeUndefined(); // Traefik answers there
      }
      expect(cluster.facts.ingressDynamicDir).toBeDefined();
      expect(cluster.facts.externalTarget).toMatch(/^\d+\.\d+\.\d+\.\d+:8080$/);

      // reuse: everything already in the node, same facts
      const reuseLines: string[] = [];
      const reused = await new KindProvider().withImages(images).withLog((l) => reuseLines.push(l)).reuse(NAME);
      expect(reuseLines.join('\n')).toMatch(new RegExp(images.map((i) => `${i.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(node\\)`).join(', ')));
      expect(reused.facts.ingressAddress).toBe(cluster.facts.ingressAddress);
      expect(reused.facts.externalTarget).toBe(cluster.facts.externalTarget);
    } finally {
      await provider.down(NAME).catch(() => undefined);
      run('docker', ['rmi', ONLY_IN_DOCKER]);
    }
    expect(run('docker', ['ps', '-aq', '--filter', `label=io.x-k8s.kind.cluster=${NAME}`])).toBe('');
    expect(run('docker', ['ps', '-aq', '--filter', `label=isoproof.dev/cluster=${NAME}`])).toBe('');
  }, 600_000);
});

if (!ready) {
  describe('KindProvider on a real kind cluster', () => {
    it.skip(`skipped: ${why}`, () => undefined);
  });
}
