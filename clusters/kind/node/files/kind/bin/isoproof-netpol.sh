#!/bin/bash
# Starts isoproof-netpol (clusters/local/netpol) for this node once kubeadm has configured it: the
# node's own credentials, the cluster pod CIDR of /kind/kubeadm.conf.
set -o errexit -o nounset -o pipefail
until [[ -f /etc/kubernetes/kubelet.conf && -f /kind/kubeadm.conf ]]; do sleep 2; done
cidr=$(awk '$1 == "podSubnet:" {gsub(/"/, "", $2); print $2; exit}' /kind/kubeadm.conf)
exec /usr/local/bin/isoproof-netpol --kubeconfig /etc/kubernetes/kubelet.conf --node-name "$(hostname)" \
  --pod-cidr "${cidr%%,*}" --healthz 127.0.0.1:10299
