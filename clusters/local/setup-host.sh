#!/usr/bin/env bash
# Installs the host packages the local cluster needs (Debian/Ubuntu, root). Idempotent and quick when
# everything is present.
set -euo pipefail
pkgs=(containerd runc containernetworking-plugins iptables ipset conntrack iproute2 openssl curl kmod)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "[isoproof setup] installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "isoproof setup: Go >= 1.24 is needed for the first build of the local cluster: install it (or use --provider kind/existing)" >&2; exit 2; }
gover=$(go env GOVERSION | sed 's/^go//')
if [[ $(printf '%s\n1.24\n' "${gover%%-*}" | sort -V | head -n 1) != 1.24 ]]; then
  echo "isoproof setup: Go $gover is too old: the local cluster (Kubernetes 1.34) builds with Go >= 1.24" >&2
  exit 2
fi
# Debian starts the packaged containerd service where systemd runs; ours is a separate instance with
# its own socket and state, so the system one may stay or go.
echo "[isoproof setup] host ready" >&2
