#!/usr/bin/env bash
# render-config.sh BIN_DIR: writes certificates, kubeconfigs and component configs under $STATE.
# Certificates are generated once per state dir by kubeadm's phases and reused by later `up`s.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
bin=$1
mkdir -p "$CONF" "$PKI" "$CNI_CONF" "$STATE/cni-ipam"

cat > "$CONF/kubeadm.yaml" <<YAML
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: $NODE_IP
  bindPort: 6443
nodeRegistration:
  name: $NODE_NAME
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: $K8S_VERSION
clusterName: isoproof-local
certificatesDir: $PKI
apiServer:
  certSANs: [127.0.0.1, localhost, $NODE_IP]
networking:
  serviceSubnet: $SERVICE_CIDR
  podSubnet: $POD_CIDR
  dnsDomain: cluster.local
YAML

if [[ ! -f "$PKI/ca.crt" ]]; then
  "$bin/kubeadm" init phase certs all --config "$CONF/kubeadm.yaml" >&2
fi
for f in admin super-admin kubelet controller-manager scheduler; do rm -f "$CONF/$f.conf"; done
"$bin/kubeadm" init phase kubeconfig all --config "$CONF/kubeadm.yaml" --kubeconfig-dir "$CONF" >&2
# kubeadm warns on stderr that the config holds an InitConfiguration too: keep stderr, fail loudly.
for client in system:kube-proxy:kube-proxy isoproof:netpol:netpol isoproof:ingress:ingress; do
  name=${client%:*} file=${client##*:}
  "$bin/kubeadm" kubeconfig user --config "$CONF/kubeadm.yaml" --client-name "$name" > "$CONF/$file.conf" ||
    die "kubeadm could not write the kubeconfig of $name"
done
chmod 600 "$CONF"/*.conf

cp "$here/config/audit-policy.yaml" "$CONF/audit-policy.yaml"

cat > "$CONF/containerd.toml" <<TOML
version = 2
root = "$STATE/containerd"
state = "$RUN/containerd"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_TAG"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CNI_CONF"
TOML

cat > "$CNI_CONF/10-isoproof.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "isoproof",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni-ipam",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR", "gateway": "${NODE_POD_CIDR%.0/24}.1" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

cat > "$CONF/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: ""
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
address: $NODE_IP
rotateCertificates: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%" }
maxPods: 250
podLogsDir: $STATE/pod-logs
YAML

cat > "$CONF/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $CONF/kube-proxy.conf }
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: 0.0.0.0
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack: { maxPerCore: 0 }
YAML

sed -e "s#@COREDNS_TAG@#$COREDNS_TAG#g" -e "s#@DNS_IP@#$DNS_IP#g" "$here/config/system.yaml" > "$CONF/system.yaml"
