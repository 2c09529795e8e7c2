#!/usr/bin/env bash
# Builds the offline kind node image from the same pinned versions and cache as the local provider: no
# container registry is needed. Prints the image tag on its last line; everything else goes to stderr.
#
# Usage: DOCKER_HOST=unix:///run/isoproof-docker/docker.sock clusters/kind/node-image.sh   (root)
#
# Parts, each cached under ~/.cache/isoproof/kind/node-<key>/ (key: clusters/local/versions.env,
# clusters/kind/versions.env and BUILD_REVISION), built only when missing:
#   rootfs.tar   Debian (debootstrap from the apt mirror this host is configured with) + systemd,
#                containerd, runc, CNI plugins, iptables (legacy + nft), ipset, conntrack ...
#   bin/         crictl and etcd (Go module proxy)
#   images/      registry.k8s.io/* images kubeadm asks for, made from the local build's static binaries,
#                and the Traefik image; the project's probe images come from the local build as they are
# The image itself (tag isoproof.local/kind-node:<k8s>-<hash of all inputs>) is assembled from these
# parts, the node files in clusters/kind/node/ and the local build's binaries: images are imported
# into containerd's k8s.io namespace of the rootfs by a throw-away containerd, then `docker import`
# plus a one-line Dockerfile (STOPSIGNAL). A warm run finds the tag in Docker and rebuilds nothing.
BUILD_REVISION=1
set -Eeuo pipefail
shopt -s inherit_errexit
trap 'printf "isoproof kind-node: failed at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
local_dir=$here/../local
# shellcheck source=/dev/null
source "$local_dir/versions.env"
# shellcheck source=/dev/null
source "$here/versions.env"
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/isoproof-docker/docker.sock}
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -buildvcs=false" CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local}

log() { printf '[isoproof kind-node %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'isoproof kind-node: %s\n' "$*" >&2; exit 2; }
[[ $EUID -eq 0 ]] || die "building the node image needs root (debootstrap, chroot, a throw-away containerd)"
# Host tools from Debian, installed when missing: debootstrap, and containerd for the throw-away
# instance that fills the node's image store.
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v containerd >/dev/null && command -v ctr >/dev/null || missing+=(containerd)
if ((${#missing[@]})); then
  log "installing ${missing[*]} (Debian packages)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
for cmd in docker debootstrap go node containerd ctr sha256sum tar; do
  command -v "$cmd" >/dev/null || die "missing '$cmd' (Go and Node come with the project's setup; docker: clusters/kind/docker.sh start)"
done
timeout 10 docker version >/dev/null 2>&1 || die "Docker does not answer on $DOCKER_HOST (clusters/kind/docker.sh start)"

cache_root=${ISOPROOF_CACHE:-$HOME/.cache/isoproof}
key=$( (cat "$local_dir/versions.env" "$here/versions.env"; echo "build-revision $BUILD_REVISION") | sha256sum | cut -c1-12)
out=$cache_root/kind/node-$key
work=$cache_root/build-work/kind-node
mkdir -p "$out/bin" "$out/images" "$work"
t_start=$SECONDS

STEP_TIMINGS=$out/timings.txt
# shellcheck source-path=SCRIPTDIR source=../local/step.sh
source "$local_dir/step.sh"

# ---- the Debian mirror this host already uses (deb822 .sources or one-line .list) -------------------
apt_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v suite="$DEBIAN_SUITE" '
      function emit() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "") { split(uris, u, " "); print u[1]; found=1; exit } }
      FNR==1 { uris=""; suites=""; types="" }
      /^[ \t]*$/ { emit(); uris=""; suites=""; types=""; next }
      /^Types:/ { types=$0; sub(/^Types:[ \t]*/, "", types) }
      /^URIs:/ { uris=$0; sub(/^URIs:[ \t]*/, "", uris) }
      /^Suites:/ { suites=$0; sub(/^Suites:[ \t]*/, "", suites) }
      END { if (!found) emit() }' "$f"
  done
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    awk -v suite="$DEBIAN_SUITE" '$1=="deb" { i=2; if ($2 ~ /^\[/) { while (i<=NF && $i !~ /\]$/) i++; i++ } if ($(i+1)==suite) print $i }'
}

# ---- parts ------------------------------------------------------------------------------------------
build_rootfs() {
  local mirror root=$work/rootfs
  mirror=$(apt_mirror | head -n 1 || true)
  [[ -n $mirror ]] || die "no '$DEBIAN_SUITE' deb source in /etc/apt/sources.list*: configure the Debian mirror apt uses"
  log "rootfs: debootstrap $DEBIAN_SUITE from $mirror (about 1-2 minutes)"
  rm -rf "$root"
  debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,iptables,nftables,ipset,iproute2,conntrack,ethtool,util-linux,mount,kmod,libseccomp2,pigz,ca-certificates,jq,procps,bash,containerd,runc,containernetworking-plugins,socat,e2fsprogs,curl,iputils-ping \
    "$DEBIAN_SUITE" "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log $work/debootstrap.log)"; }
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log
  tar -C "$root" --numeric-owner -cf "$out/rootfs.tar.tmp" .
  mv "$out/rootfs.tar.tmp" "$out/rootfs.tar"
  rm -rf "$root"
}

# Scratch module for building one main package at a pinned version from the Go module proxy (the same
# method as clusters/local/build.sh: the module's own go.mod requirements, local replaces resolved).
go_build_pinned() { # name module version package output
  local dir=$work/$1 mod=$2 ver=$3 pkg=$4 dst=$5 gomod
  mkdir -p "$dir"
  gomod=$(cd "$work" && go mod download -json "$mod@$ver" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [[ -f $gomod ]] || die "cannot download $mod@$ver from the Go module proxy"
  {
    echo "module isoproof.local/build/$1"
    echo
    sed -n 's/^go \(.*\)/go \1/p' "$gomod"
    echo
    echo "require $mod $ver"
    echo
    echo "replace ("
    awk -v def="$ver" '
      /^require \(/ {inreq=1; next} /^replace \(/ {inrep=1; next} /^\)/ {inreq=0; inrep=0; next}
      inreq && NF>=2 {v[$1]=$2}
      /^require [^(]/ {v[$2]=$3}
      inrep && $2=="=>" && $3 ~ /^\./ {rep[$1]=1}
      END { for (m in rep) { x=v[m]; if (x=="") continue; if (x ~ /^v0\.0\.0/) x=def; print "\t" m " => " m " " x } }' "$gomod"
    echo ")"
  } > "$dir/go.mod"
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$dst" "$pkg")
}

build_crictl() {
  go_build_pinned crictl sigs.k8s.io/cri-tools "$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl "$out/bin/crictl"
}
build_etcd() {
  go_build_pinned etcd36 go.etcd.io/etcd/server/v3 "$NODE_ETCD_VERSION" go.etcd.io/etcd/server/v3 "$out/bin/etcd"
  # etcdctl is not needed by kubeadm; the etcd image carries the server only.
}

# Component images (docker-save layout, one layer, no registry) from the static binaries.
mkimg() { node "$local_dir/images/make-image.mjs" "$@" >&2; }
build_images() {
  local img=$out/images
  local reg=registry.k8s.io
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    mkimg --tag "$reg/$c:$K8S_VERSION" --out "$img/$c.tar" --file "$LBIN/$c:/usr/local/bin/$c" --dir /tmp:1777
  done
  mkimg --tag "$reg/etcd:${NODE_ETCD_VERSION#v}-0" --out "$img/etcd.tar" --file "$out/bin/etcd:/usr/local/bin/etcd" \
    --dir /tmp:1777 --dir /var/lib/etcd:700
  mkimg --tag "$reg/coredns/coredns:$(kubeadm_image_tag coredns)" --out "$img/coredns.tar" \
    --entrypoint '["/coredns"]' --file "$LBIN/coredns:/coredns"
  mkimg --tag "$TRAEFIK_IMAGE" --out "$img/traefik.tar" --entrypoint '["/traefik"]' \
    --file "$LBIN/traefik:/traefik" --dir /tmp:1777
  # kube-proxy execs iptables(-save/-restore) in both backends: the binaries of the node's Debian, their
  # extensions and shared libraries (libm included: without it the nft backend fails and ClusterIPs
  # silently break), /bin/sh, and a small wrapper that follows the backend the node's kubelet uses.
  local root=$work/rootfs-extract files=() f lib bins=()
  rm -rf "$root" && mkdir -p "$root"
  tar -C "$root" --numeric-owner -xf "$out/rootfs.tar"
  files+=(--file "$LBIN/kube-proxy:/usr/local/bin/kube-proxy" --file "$root/usr/bin/dash:/bin/sh")
  for f in xtables-legacy-multi xtables-nft-multi conntrack; do
    [[ -f $root/usr/sbin/$f ]] || die "rootfs lacks /usr/sbin/$f"
    files+=(--file "$root/usr/sbin/$f:/usr/sbin/$f")
    bins+=("/usr/sbin/$f")
  done
  for f in "$root"/usr/lib/x86_64-linux-gnu/xtables/*.so; do
    files+=(--file "$f:${f#"$root"}")
    bins+=("${f#"$root"}")
  done
  bins+=(/usr/bin/dash)
  while read -r lib; do
    files+=(--file "$root$(chroot "$root" readlink -f "$lib"):$lib")
  done < <(chroot "$root" ldd "${bins[@]}" 2>/dev/null | awk '$2=="=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib64\// {print $1}' | sort -u)
  local w=$work/iptables-wrapper
  write_iptables_wrapper > "$w" && chmod 755 "$w"
  for f in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    files+=(--file "$w:/usr/local/bin/$f") # on the image's PATH (/usr/local/bin:/usr/bin:/bin)
  done
  mkimg --tag "$reg/kube-proxy:$K8S_VERSION" --out "$img/kube-proxy.tar" "${files[@]}" --dir /tmp:1777 --dir /run:755 \
    --dir /var/lib/iptables:755
  rm -rf "$root"
}

write_iptables_wrapper() {
  cat <<'EOF'
#!/bin/sh
# isoproof kube-proxy image: run iptables in the backend (legacy or nft) the node already uses. The
# kubelet creates KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY in the mangle table with the node's
# iptables: whichever backend holds them wins; nft when neither does (the decision is cached).
mode=
[ -r /run/isoproof-iptables-mode ] && read -r mode < /run/isoproof-iptables-mode
if [ -z "$mode" ]; then
  case $(/usr/sbin/xtables-legacy-multi iptables-save -t mangle 2>/dev/null) in
    *KUBE-IPTABLES-HINT*|*KUBE-KUBELET-CANARY*) mode=legacy ;;
    *) mode=nft ;;
  esac
  echo "$mode" > /run/isoproof-iptables-mode 2>/dev/null || true
fi
exec "/usr/sbin/xtables-$mode-multi" "${0##*/}" "$@"
EOF
}

kubeadm_image_tag() { # coredns|pause|etcd: the tag kubeadm lists for it
  "$LBIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null | awk -F: -v n="$1" '$1 ~ ("/" n "$") {print $2}'
}

# debootstrap mostly waits on the mirror and dpkg; the two Go builds use the CPU meanwhile.
step rootfs build_rootfs &
rootfs_pid=$!
step crictl build_crictl
step etcd build_etcd
wait "$rootfs_pid" || die "the rootfs step failed (log $work/debootstrap.log)"
# The local build's cache dir (binaries of Kubernetes, CoreDNS, Traefik, isoproof-netpol, images).
local_out() {
  local d=""
  local x
  for x in "$cache_root/local/$K8S_VERSION"-*/; do
    if [[ -x $x/bin/kubeadm && -x $x/bin/kube-apiserver && -f $x/images/current/agnhost.tar ]]; then d=${x%/}; break; fi
  done
  [[ -n $d ]] || die "no local build of $K8S_VERSION in $cache_root/local: run clusters/local/build.sh first"
  echo "$d"
}
# Waits for nothing: a missing or partial local build is an error.
LOCAL=$(local_out)
LBIN=$LOCAL/bin
for b in kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy coredns traefik isoproof-netpol; do
  [[ -x $LBIN/$b ]] || die "the local build lacks $b ($LBIN): rerun clusters/local/build.sh"
done

step images build_images

# ---- assemble ----------------------------------------------------------------------------------------
node_files=$here/node
probe_images=$(readlink -f "$LOCAL/images/current")
inputs_hash=$( (
  echo "$key $BUILD_REVISION"
  sha256sum "$0" | cut -d' ' -f1
  find "$node_files" -type f | sort | xargs sha256sum | cut -d' ' -f1
  for f in "$LBIN"/{kubeadm,kubelet,kubectl,isoproof-netpol} "$probe_images"/*.tar "$out"/images/*.tar "$out"/bin/*; do
    stat -c '%n %s %Y' "$f"
  done
) | sha256sum | cut -c1-12)
tag=$NODE_IMAGE_REPO:$K8S_VERSION-$inputs_hash
if docker image inspect "$tag" >/dev/null 2>&1; then
  log "node image $tag: cached (nothing rebuilt, $((SECONDS - t_start)) s)"
  echo "$tag"
  exit 0
fi

t_asm=$SECONDS
root=$work/assemble
ctrd_run=/run/isoproof-kindimg
cleanup() {
  if [[ -f $ctrd_run/containerd.pid ]]; then kill "$(cat "$ctrd_run/containerd.pid")" 2>/dev/null || true; sleep 1; fi
  rm -rf "$ctrd_run"
  [[ -d $root ]] && rm -rf "$root"
}
trap cleanup EXIT
rm -rf "$root" && mkdir -p "$root"
log "assemble: unpacking the rootfs"
tar -C "$root" --numeric-owner -xf "$out/rootfs.tar"

log "assemble: node files, binaries, systemd units"
cp -a "$node_files/files/." "$root/"
install -m 755 "$LBIN/kubeadm" "$LBIN/kubelet" "$LBIN/kubectl" "$root/usr/bin/"
install -m 755 "$out/bin/crictl" "$LBIN/isoproof-netpol" "$root/usr/local/bin/"
mkdir -p "$root/opt/cni" "$root/etc/kubernetes/manifests" "$root/etc/cni/net.d" "$root/kind/manifests" "$root/var/lib/kubelet"
ln -sfn /usr/lib/cni "$root/opt/cni/bin"
echo "$K8S_VERSION" > "$root/kind/version"
chmod 755 "$root/usr/local/bin/entrypoint" "$root"/kind/bin/*
# systemd in a container: no units from the packages' presets, only ours (and the journal without kmsg).
rm -f "$root"/etc/systemd/system/*.wants/* "$root"/lib/systemd/system/multi-user.target.wants/* \
  "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/basic.target.wants/* \
  "$root"/lib/systemd/system/sockets.target.wants/*udev* "$root"/lib/systemd/system/sockets.target.wants/*initctl*
find "$root/lib/systemd/system/sysinit.target.wants/" -name 'systemd-tmpfiles-setup.service' -delete
grep -q '^ReadKMsg=no' "$root/etc/systemd/journald.conf" || echo 'ReadKMsg=no' >> "$root/etc/systemd/journald.conf"
chroot "$root" systemctl enable containerd.service kubelet.service isoproof-node-net.service isoproof-netpol.service 2>&1 |
  grep -v '^Created symlink' >&2 || true
chroot "$root" systemctl mask systemd-binfmt.service >/dev/null 2>&1
for u in containerd kubelet isoproof-node-net isoproof-netpol; do
  [[ -L $root/etc/systemd/system/multi-user.target.wants/$u.service ]] || die "systemctl enable $u.service failed in the rootfs"
done
# containerd's base OCI spec for every pod container (kind's containerd config names it).
chroot "$root" ctr oci spec > "$root/etc/containerd/cri-base.json"

log "assemble: importing images into containerd's k8s.io namespace (throw-away containerd on the rootfs)"
rm -rf "$ctrd_run" && mkdir -p "$ctrd_run"
cat > "$ctrd_run/config.toml" <<EOF
version = 2
root = "$root/var/lib/containerd"
state = "$ctrd_run/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$ctrd_run/containerd.sock"
EOF
containerd --config "$ctrd_run/config.toml" >"$ctrd_run/containerd.log" 2>&1 &
echo $! > "$ctrd_run/containerd.pid"
for _ in $(seq 1 60); do ctr -a "$ctrd_run/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.5; done
ctr -a "$ctrd_run/containerd.sock" version >/dev/null 2>&1 || { cat "$ctrd_run/containerd.log" >&2; die "the throw-away containerd did not start"; }
c() { ctr -a "$ctrd_run/containerd.sock" -n k8s.io "$@"; }
for a in "$out"/images/*.tar "$probe_images"/*.tar; do c images import --no-unpack "$a" >/dev/null; done
# kubeadm's pause tag and the sandbox image: the project's pause image under the names kubelet and
# containerd ask for (no other pause binary exists offline).
pause_tag=registry.k8s.io/pause:$(kubeadm_image_tag pause)
c images tag --force "$PAUSE_TAG" "$pause_tag" >/dev/null
c images ls -q | sort > "$root/kind/images.txt"
# Pinned: the kubelet's image garbage collection leaves them alone (containerd >= 1.7 honours it).
while read -r i; do c images label "$i" io.cri-containerd.pinned=pinned >/dev/null; done < "$root/kind/images.txt"
kill "$(cat "$ctrd_run/containerd.pid")"; for _ in $(seq 1 20); do kill -0 "$(cat "$ctrd_run/containerd.pid")" 2>/dev/null || break; sleep 0.5; done
rm -f "$ctrd_run/containerd.pid"
# The sandbox image name is written into containerd's config.
sed -i "s#@SANDBOX_IMAGE@#$pause_tag#" "$root/etc/containerd/config.toml"
missing_images=$("$LBIN/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null | grep -vxF -f "$root/kind/images.txt" || true)
[[ -z $missing_images ]] || die "images kubeadm needs are missing from the node: $missing_images"
log "assemble: $(wc -l < "$root/kind/images.txt") images in the node's containerd"

log "assemble: docker import"
base=$NODE_IMAGE_REPO-build:$inputs_hash
tar -C "$root" --numeric-owner -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
  --change 'ENV container=docker' - "$base" >/dev/null
# `docker import` cannot set STOPSIGNAL: one Dockerfile line on top (systemd stops on SIGRTMIN+3).
dctx=$work/dockerfile
rm -rf "$dctx" && mkdir -p "$dctx"
printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\n' "$base" > "$dctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q --network none -t "$tag" "$dctx" >/dev/null 2>"$work/docker-build.log" ||
  { cat "$work/docker-build.log" >&2; die "docker build (STOPSIGNAL layer) failed"; }
docker rmi "$base" >/dev/null 2>&1 || true
rm -rf "$dctx"
log "node image $tag built: assemble $((SECONDS - t_asm)) s, total $((SECONDS - t_start)) s, $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
echo "assemble $((SECONDS - t_asm))" >> "$out/timings.txt"
echo "$tag"
