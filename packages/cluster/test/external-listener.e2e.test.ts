/**
 * The kind external listener against a real Docker engine: an agnhost netexec container of ours on a
 * Docker network named `kind` (created by kind, or by hand for this test: `docker network create kind`),
 * reached only at its own container IP. Needs Docker and the probe image (AGNHOST_TAG of
 * clusters/local/versions.env) in it (`docker load -i .../agnhost.tar`); skips with a message when
 * `docker info` fails.
 * DOCKER_HOST is honoured (testcontainers and the docker CLI both read it).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KindProvider } from '../src/index';
import {
  EXTERNAL_LISTENER_IMAGE,
  ExternalListener,
  KIND_DOCKER_NETWORK,
  sweepExternalListeners,
} from '../src/kind/external-listener';
import { tcpConnect } from '../src/kind/port-wait';

function docker(args: string[]): string | undefined {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).trim();
  } catch {
    return undefined;
  }
}

const serverVersion = docker(['info', '--format', '{{.ServerVersion}}']);
const hasNetwork = serverVersion !== undefined && docker(['network', 'inspect', KIND_DOCKER_NETWORK]) !== undefined;
const hasImage = serverVersion !== undefined && docker(['image', 'inspect', EXTERNAL_LISTENER_IMAGE]) !== undefined;
const ready = serverVersion !== undefined && hasNetwork && hasImage;
const why =
  serverVersion === undefined
    ? '`docker info` failed: no Docker engine here (kind hosts and GitHub runners have one)'
    : !hasNetwork
      ? `Docker network "${KIND_DOCKER_NETWORK}" is missing (create a kind cluster, or \`docker network create kind\`)`
      : `image ${EXTERNAL_LISTENER_IMAGE} is not in Docker (docker load -i agnhost.tar)`;

const CLUSTER = 'isoproof-e2e-listener';

/**
 * A fake kind CLI in a new temp dir (`root`, the script in `bin`): `create cluster` and `get clusters`
 * keep the cluster names in a state file; `cases` are the other case arms of the script.
 */
function fakeKind(prefix: string, cases: string[]): { root: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'kind'),
    `#!/bin/bash
state="${root}/clusters"; touch "$state"
arg() { local want="$1"; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && { echo "$2"; return; }; shift; done; }
case "$1 \${2:-}" in
  "create cluster") arg --name "$@" >> "$state"; printf 'apiVersion: v1\\nkind: Config\\n' > "$(arg --kubeconfig "$@")" ;;
  "get clusters") cat "$state" ;;
${cases.map((c) => `  ${c}`).join('\n')}
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, 'kind'), 0o755);
  return { root, bin };
}

function ourContainers(cluster = CLUSTER): string[] {
  const out = docker(['ps', '-aq', '--filter', 'label=isoproof.dev/component=external-listener', '--filter', `label=isoproof.dev/cluster=${cluster}`]);
  return out ? out.split('\n').filter(Boolean) : [];
}

/** HTTP GET on the listener's own IP (agnhost netexec /hostname), bounded. */
async function hostname(target: string): Promise<string> {
  const r = await fetch(`http://${target}/hostname`, { signal: AbortSignal.timeout(5_000) });
  expect(r.status).toBe(200);
  return (await r.text()).trim();
}

/** One UDP datagram "hostname" to the listener; netexec answers with its hostname. */
function udpHostname(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('UDP: no answer within 3s'));
    }, 3_000);
    s.once('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString().trim());
    });
    s.send('hostname', port, ip);
  });
}

describe.skipIf(!ready)('external listener on a real Docker engine', () => {
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);

  beforeAll(async () => {
    await sweepExternalListeners({ clusters: [CLUSTER] });
  });
  afterAll(async () => {
    await sweepExternalListeners({ clusters: [CLUSTER, `${CLUSTER}-p`, `${CLUSTER}-l`] });
    docker(['rm', '-f', `${CLUSTER}-p-control-plane`, `${CLUSTER}-l-control-plane`]);
  });

  it('starts netexec on the kind network, answers TCP/HTTP and UDP at its container IP, and is gone after dispose', async () => {
    let target = '';
    let ip = '';
    {
      await using listener = await new ExternalListener().withNetwork(KIND_DOCKER_NETWORK).withImage(EXTERNAL_LISTENER_IMAGE).withCluster(CLUSTER).withRunId('re2etest01').withLog(log).start();
      expect(listener, lines.join('\n')).toBeDefined();
      target = listener!.target;
      ip = listener!.ip;
      expect(target).toMatch(/^\d+\.\d+\.\d+\.\d+:8080$/);
      // the address is on the kind network, as Docker reports it
      const subnet = docker(['network', 'inspect', KIND_DOCKER_NETWORK, '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}']) ?? '';
      const inspectIp = docker(['inspect', listener!.containerId, '--format', `{{(index .NetworkSettings.Networks "${KIND_DOCKER_NETWORK}").IPAddress}}`]);
      expect(inspectIp).toBe(ip);
      const labels = JSON.parse(docker(['inspect', listener!.containerId, '--format', '{{json .Config.Labels}}']) ?? '{}') as Record<string, string>;
      expect(labels).toMatchObject({ 'isoproof.dev/managed': 'true', 'isoproof.dev/run': 're2etest01', 'isoproof.dev/cluster': CLUSTER });
      const host = await hostname(target);
      expect(host.length).toBeGreaterThan(0);
      expect(await udpHostname(ip, 8080)).toBe(host);
      process.stderr.write(`external listener: docker ${serverVersion}, network ${KIND_DOCKER_NETWORK} (${subnet.trim()}), target ${target}, hostname ${host}\n`);

      // a second start for the same cluster reuses the running container; its stop leaves it running
      const again = await new ExternalListener().withCluster(CLUSTER).withLog(log).start();
      expect(again?.reused).toBe(true);
      expect(again?.target).toBe(target);
      await again?.stop();
      expect(await tcpConnect(ip, 8080, 2_000)).toBeUndefined();
    } // await using: stop + remove
    expect(ourContainers()).toEqual([]);
    expect(await tcpConnect(ip, 8080, 1_000)).toBeDefined(); // nothing listens there any more
  });

  it('sweep removes a leftover by label', async () => {
    const leftover = await new ExternalListener().withCluster(CLUSTER).withReuse(false).start(); // never stopped: a crashed run
    expect(leftover).toBeDefined();
    expect(ourContainers()).toHaveLength(1);
    expect(await sweepExternalListeners({ clusters: ['some-other-cluster'] })).toEqual([]);
    expect(ourContainers()).toHaveLength(1);
    expect(await sweepExternalListeners({ clusterPrefix: 'isoproof-e2e-' })).toEqual([leftover!.containerId]);
    expect(ourContainers()).toEqual([]);
  });

  it('a missing image or network leaves the fact unset with one log line', async () => {
    const l1: string[] = [];
    expect(await new ExternalListener().withImage('isoproof.local/absent:0').withCluster(CLUSTER).withLog((l) => l1.push(l)).start()).toBeUndefined();
    expect(l1).toHaveLength(1);
    expect(l1[0]).toMatch(/not started \(image isoproof.local\/absent:0 is not in Docker/);
    const l2: string[] = [];
    expect(await new ExternalListener().withNetwork('isoproof-no-such-network').withLog((l) => l2.push(l)).start()).toBeUndefined();
    expect(l2).toEqual([expect.stringMatching(/Docker network "isoproof-no-such-network" does not exist/)]);
    expect(ourContainers()).toEqual([]);
  });

  it('KindProvider (fake kind CLI, real Docker): facts.externalTarget on create and reuse, removed with the cluster', async () => {
    // Only the kind CLI is faked (no node container); the listener is real.
    const { root, bin } = fakeKind('isoproof-kind-listener-', [
      `"get nodes") grep -qx "$(arg --name "$@")" "$state" && echo "$(arg --name "$@")-control-plane" ;;`,
      `"load image-archive") test -s "$3" && echo "$3" >> "$state.loaded" ;;`,
      `"export kubeconfig") printf 'apiVersion: v1\\nkind: Config\\n' > "$(arg --kubeconfig "$@")" ;;`,
      `"delete cluster") grep -vx "$(arg --name "$@")" "$state" > "$state.tmp"; mv "$state.tmp" "$state" ;;`,
    ]);
    const name = `${CLUSTER}-p`;
    // Stand-in for the kind node container (the listener starts only next to a running kind node).
    const node = docker(['run', '-d', '--name', `${name}-control-plane`, '--network', KIND_DOCKER_NETWORK, '--label', 'isoproof.dev/managed=true', EXTERNAL_LISTENER_IMAGE, 'pause']);
    expect(node, 'docker run of the stand-in node container').toBeDefined();
    // No API server behind the fake kind: no ingress controller, and the one project image the
    // stand-in node cannot hold (it has no crictl) goes through docker save + kind load image-archive.
    const provider = () =>
      new KindProvider().withKindBinary(join(bin, 'kind')).withKubeconfigDir(join(root, 'kc')).withName(name).withLog(log).withIngress(false).withSettle(false).withImages([EXTERNAL_LISTENER_IMAGE]);
    {
      await using cluster = await provider().create();
      expect(cluster.facts.externalTarget, lines.join('\n')).toMatch(/^\d+\.\d+\.\d+\.\d+:8080$/);
      expect(cluster.facts.ingressAddress).toBeUndefined(); // never claimed without a controller
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^kind: images ${EXTERNAL_LISTENER_IMAGE} \\(docker\\) in 1 node`)));
      await hostname(cluster.facts.externalTarget!);
      // another process reusing the cluster (e.g. a scenario e2e after `isoproof up`) gets the same listener
      const reused = await provider().reuse(name);
      expect(reused.facts.externalTarget).toBe(cluster.facts.externalTarget);
      await reused[Symbol.asyncDispose]();
      expect(ourContainers(name)).toHaveLength(1);
    } // owned: listener removed, then kind delete
    expect(ourContainers(name)).toEqual([]);
    docker(['rm', '-f', `${name}-control-plane`]);
    // without the node container: no listener, one log line, no fact
    const before = lines.length;
    const noNode = await provider().create();
    expect(noNode.facts.externalTarget).toBeUndefined();
    expect(lines.slice(before).filter((l) => l.startsWith('external listener:'))).toEqual([
      expect.stringMatching(/not started \(kind node container isoproof-e2e-listener-p-control-plane is not running/),
    ]);
    await noNode.destroy();
  });

  it('KindProvider docker-loads the listener image from ISOPROOF_IMAGE_ARCHIVES when Docker lacks it', async () => {
    const { root, bin } = fakeKind('isoproof-kind-listener-load-', [
      `"get nodes") echo "$(arg --name "$@")-control-plane" ;;`,
      `"delete cluster") : > "$state" ;;`,
    ]);
    const name = `${CLUSTER}-l`;
    // A tag of ours only in an archive: saved, then removed from Docker.
    const tag = 'isoproof.local/agnhost-e2e:listener-load';
    const archives = join(root, 'archives');
    mkdirSync(archives);
    expect(docker(['tag', EXTERNAL_LISTENER_IMAGE, tag])).toBeDefined();
    expect(docker(['save', '-o', join(archives, 'listener.tar'), tag])).toBeDefined();
    expect(docker(['rmi', tag])).toBeDefined();
    const node = docker(['run', '-d', '--name', `${name}-control-plane`, '--network', KIND_DOCKER_NETWORK, '--label', 'isoproof.dev/managed=true', EXTERNAL_LISTENER_IMAGE, 'pause']);
    expect(node).toBeDefined();
    try {
      const l: string[] = [];
      const cluster = await new KindProvider()
        .withKindBinary(join(bin, 'kind'))
        .withKubeconfigDir(join(root, 'kc'))
        .withName(name)
        .withIngress(false)
        .withSettle(false)
        .withImages([])
        .withImageArchives(archives)
        .withExternalListener(tag)
        .withLog((x) => l.push(x))
        .create();
      expect(l).toContainEqual(`docker: loaded ${tag} from ${join(archives, 'listener.tar')}`);
      expect(cluster.facts.externalTarget, l.join('\n')).toMatch(/^\d+\.\d+\.\d+\.\d+:8080$/);
      await hostname(cluster.facts.externalTarget!);
      await cluster.destroy();
      expect(ourContainers(name)).toEqual([]);
    } finally {
      docker(['rm', '-f', `${name}-control-plane`]);
      docker(['rmi', tag]);
    }
  });
});

if (!ready) {
  describe('external listener on a real Docker engine', () => {
    it.skip(`skipped: ${why}`, () => undefined);
  });
}

describe.skipIf(serverVersion !== undefined)('external listener without Docker', () => {
  it('leaves the fact unset with exactly one log line', async () => {
    const lines: string[] = [];
    expect(await new ExternalListener().withCluster(CLUSTER).withLog((l) => lines.push(l)).start()).toBeUndefined();
    expect(lines).toEqual([expect.stringMatching(/^external listener: not started \(Docker does not answer: .*\); facts.externalTarget stays unset$/)]);
    expect(await sweepExternalListeners()).toEqual([]);
  });
});
