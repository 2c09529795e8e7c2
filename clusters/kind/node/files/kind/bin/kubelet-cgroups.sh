#!/bin/bash
# ExecStartPre of the kubelet: make sure its cgroup root exists.
set -eu
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  # cgroup v2: enable every available controller down to /kubelet and /kubelet.slice.
  enable() { sed -e 's/^/+/' -e 's/ / +/g' "/sys/fs/cgroup/$1/cgroup.controllers" > "/sys/fs/cgroup/$1/cgroup.subtree_control"; }
  enable /
  for d in kubelet kubelet.slice; do mkdir -p "/sys/fs/cgroup/$d"; enable "/$d"; done
else
  [[ -d /sys/fs/cgroup/systemd/kubelet ]] || mkdir -p /sys/fs/cgroup/systemd/kubelet
fi
