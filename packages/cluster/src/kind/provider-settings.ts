import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultKubeconfigDir, validateClusterName } from './args';
import { EXTERNAL_LISTENER_IMAGE } from './external-listener';
import { SETTLE_TIMEOUT_MS } from './settle';

/** clusters/kind/isoproof.yaml of this repository. */
export const DEFAULT_KIND_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../clusters/kind/isoproof.yaml');

export const DEFAULT_KIND_CLUSTER = 'isoproof-kind';

/** The settings of the kind provider and their builder methods (KindProvider does the work). */
export class KindSettingsBuilder {
  protected clusterName = DEFAULT_KIND_CLUSTER;
  protected configPath: string | undefined = existsSync(DEFAULT_KIND_CONFIG) ? DEFAULT_KIND_CONFIG : undefined;
  protected nodeImage: string | undefined;
  protected kubeconfigDir = defaultKubeconfigDir();
  protected kindBinary = 'kind';
  protected dockerBinary = 'docker';
  protected wait = '120s';
  protected log: (line: string) => void = () => {};
  protected listenerImage: string | null = EXTERNAL_LISTENER_IMAGE;
  protected ingress = true;
  protected ingressTimeoutMs = 180_000;
  /** How long `up` waits for every node Ready and CoreDNS available; false: not at all. */
  protected settleTimeoutMs: number | false = SETTLE_TIMEOUT_MS;
  protected traefikImageOverride: string | undefined;
  protected archivesDir: string | undefined;
  /** undefined: the tags of clusters/local/versions.env. */
  protected images: string[] | undefined;

  withName(name: string): this {
    this.clusterName = validateClusterName(name);
    return this;
  }
  /** A kind config file; `null` for kind's defaults. */
  withConfig(file: string | null): this {
    this.configPath = file ? resolve(file) : undefined;
    return this;
  }
  /** The node image (`kind create cluster --image`); kind's default when unset. */
  withNodeImage(image: string | undefined): this {
    this.nodeImage = image || undefined;
    return this;
  }
  withKubeconfigDir(dir: string): this {
    this.kubeconfigDir = resolve(dir);
    return this;
  }
  withKindBinary(path: string): this {
    this.kindBinary = path;
    return this;
  }
  withDockerBinary(path: string): this {
    this.dockerBinary = path;
    return this;
  }
  withWait(wait: string): this {
    this.wait = wait;
    return this;
  }
  withLog(log: (line: string) => void): this {
    this.log = log;
    return this;
  }
  /**
   * The image of the external listener (an agnhost netexec container on the kind Docker network whose
   * address becomes `facts.externalTarget`); `null` for no listener.
   */
  withExternalListener(image: string | null): this {
    this.listenerImage = image;
    return this;
  }

  /**
   * Install the ingress controller after create (default on): Traefik from clusters/kind/ingress-traefik.yaml,
   * when the kind config mounts its directory into the ingress-ready node. `timeoutMs` bounds the rollout wait.
   */
  withIngress(enabled: boolean, timeoutMs = this.ingressTimeoutMs): this {
    this.ingress = enabled;
    this.ingressTimeoutMs = timeoutMs;
    return this;
  }
  /**
   * How long create/reuse wait (bounded) until every node is Ready and CoreDNS is available (default
   * 180 s). `false` skips the wait: only for a stand-in kind with no API server behind it (tests).
   */
  withSettle(timeoutMs: number | false): this {
    this.settleTimeoutMs = timeoutMs;
    return this;
  }
  /** Run this Traefik image instead of the manifest's (e.g. one the node image already holds). */
  withTraefikImage(image: string | undefined): this {
    this.traefikImageOverride = image || undefined;
    return this;
  }
  /** Directory of `docker save` archives of the project's images (ISOPROOF_IMAGE_ARCHIVES). */
  withImageArchives(dir: string | undefined): this {
    this.archivesDir = dir ? resolve(dir) : undefined;
    return this;
  }
  /** Images every node must hold (default: AGNHOST_TAG and PAUSE_TAG of clusters/local/versions.env). */
  withImages(images: string[]): this {
    this.images = [...images];
    return this;
  }
}
