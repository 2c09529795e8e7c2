#!/usr/bin/env bash
# Signal drills: interrupt real `isoproof run --all --kubeconfig K` runs at several points (apply,
# readiness, probing, the end-of-run cleanup, inside the cluster-scoped overlay tenant-edit-clusterwide)
# with SIGINT and SIGTERM, and check each time:
#   - the exit code (130 for SIGINT, 143 for SIGTERM) within 60 s of the signal;
#   - the partial report (report.json marked interrupted, with the signal and the stage; every planned
#     scenario run present; the criteria the run did not decide INCONCLUSIVE);
#   - that no object labelled isoproof.dev/run is left, listed through the API over every kind the
#     cluster serves (namespaced and cluster-scoped), WITHOUT running `isoproof sweep`.
# The last drill sends SIGINT twice: the run must exit at once, name what may be left and the sweep
# command; that drill then runs exactly the named command and checks the cluster is clean.
#
# Usage: bash .ci/signal-drills.sh [KUBECONFIG]   (default /var/lib/isoproof-local/kubeconfig)
# Env:   ISOPROOF_CLUSTER_LOCK=FILE   hold `flock FILE` around each drill (shared development clusters)
#        DRILLS="apply readiness ..." run only these drills
# Last line: "N passed, M failed" (the CI summary counts it). Exit 1 if any drill failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KC=${1:-/var/lib/isoproof-local/kubeconfig}
LOCK=${ISOPROOF_CLUSTER_LOCK:-}
DRILLS=${DRILLS:-apply readiness probing overlay cleanup double}
ISOPROOF=(node packages/cli/bin/isoproof.js)
work=$(mktemp -d /tmp/isoproof-drills.XXXXXX)
t0=$SECONDS
pass=0
fail=0

kubectl_() { kubectl --kubeconfig "$KC" --request-timeout=20s "$@"; }
if ! command -v kubectl >/dev/null; then
  for k in "$HOME"/.cache/isoproof/local/*/bin/kubectl; do [[ -x $k ]] && PATH="$(dirname "$k"):$PATH"; done
fi
command -v kubectl >/dev/null || { echo "signal drills: kubectl not found"; echo "0 passed, 1 failed"; exit 1; }
[[ -s $KC ]] || { echo "signal drills: no kubeconfig at $KC"; echo "0 passed, 1 failed"; exit 1; }

# Every object labelled isoproof.dev/run, over every listable kind the cluster serves.
leftovers() {
  local kinds
  kinds=$(kubectl_ api-resources --verbs=list -o name 2>/dev/null | grep -v -e '^events\(\.events\.k8s\.io\)\?$' -e '^componentstatuses$' | paste -sd, -)
  [[ -n $kinds ]] || { echo "ERROR: api-resources listed nothing"; return; }
  local out rc
  out=$(kubectl_ get "$kinds" -A -l isoproof.dev/run -o custom-columns='KIND:.kind,NS:.metadata.namespace,NAME:.metadata.name' --no-headers 2>"$work/kubectl.err")
  rc=$?
  if ((rc != 0)); then echo "ERROR: kubectl get failed: $(grep -v '^Warning:' "$work/kubectl.err" | tail -1)"; fi
  [[ -n $out ]] && echo "$out"
  return 0
}

lock() { if [[ -n $LOCK ]]; then exec {lockfd}>"$LOCK" && flock "$lockfd"; fi; }
unlock() { if [[ -n $LOCK ]]; then flock -u "$lockfd"; exec {lockfd}>&-; fi; }

# Planned scenario runs of `run --all` (one baseline per scenario).
all_runs=$("${ISOPROOF[@]}" list --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')

# drill NAME SIGNAL TRIGGER(ERE on the run's output) STAGE(ERE on report.interrupted.during) RUNS [extra run args...]
drill() {
  local name=$1 sig=$2 trigger=$3 stage=$4 runs=$5
  shift 5
  local dir="$work/$name" problems=() before
  mkdir -p "$dir"
  lock
  before=$(leftovers)
  if [[ -n $before ]]; then
    echo "drill $name: FAIL (cluster not clean before the drill: $(echo "$before" | head -3 | tr '\n' ';'))"
    fail=$((fail + 1))
    unlock
    return
  fi
  local start=$SECONDS
  : >"$dir/out.log"
  "${ISOPROOF[@]}" run --all --kubeconfig "$KC" --artifacts "$dir/artifacts" "$@" >"$dir/out.log" 2>&1 &
  local pid=$! waited=0
  # Wait for the trigger line (bounded), then signal.
  while ! grep -qE -- "$trigger" "$dir/out.log"; do
    if ! kill -0 "$pid" 2>/dev/null || ((waited >= 2400)); then break; fi
    sleep 0.1
    waited=$((waited + 1))
  done
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"
    echo "drill $name: FAIL (the run ended with $? before /$trigger/ appeared; log $dir/out.log)"
    tail -5 "$dir/out.log" | sed 's/^/    /'
    fail=$((fail + 1))
    unlock
    return
  fi
  local t_sig=$EPOCHREALTIME
  kill -s "$sig" "$pid"
  if [[ $name == double ]]; then
    sleep 1
    t_sig=$EPOCHREALTIME
    kill -s "$sig" "$pid" 2>/dev/null
  fi
  # Wait for the exit: at most 60 s after the signal (then kill it and fail).
  local rc=
  for ((i = 0; i < 650; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      rc=$?
      break
    fi
    sleep 0.1
  done
  local secs
  secs=$(awk -v a="$t_sig" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  if [[ -z $rc ]]; then
    kill -s KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    problems+=("no exit within 60 s of $sig")
    rc=killed
  fi
  local want=130
  [[ $sig == TERM ]] && want=143
  [[ $rc == "$want" ]] || problems+=("exit $rc, want $want")
  awk -v s="$secs" 'BEGIN { exit !(s <= 60) }' || problems+=("exit took ${secs}s after the signal")

  local stage_seen=-
  if [[ $name == double ]]; then
    # At once (no cleanup), naming what may be left and the sweep command; then that command cleans up.
    awk -v s="$secs" 'BEGIN { exit !(s <= 5) }' || problems+=("second signal: exit took ${secs}s, want at once")
    local sweep_cmd
    sweep_cmd=$(grep -E "SIGINT again: exiting now" "$dir/out.log" | grep -oE "remove them with: isoproof sweep .*--run r[0-9a-z]{10}" | sed 's/^remove them with: //')
    if [[ -z $sweep_cmd ]]; then
      problems+=("second signal did not name what may be left and the sweep command")
    else
      "${ISOPROOF[@]}" ${sweep_cmd#isoproof } >"$dir/sweep.log" 2>&1 || problems+=("the named '$sweep_cmd' failed: $(tail -1 "$dir/sweep.log")")
      # sweep deletes without waiting: give the namespaces their termination time (bounded).
      for ((i = 0; i < 90; i++)); do [[ -z $(leftovers) ]] && break; sleep 1; done
    fi
  else
    # The partial report.
    local check
    check=$(node -e '
      const [file, sig, stage, runs] = process.argv.slice(1);
      let r;
      try { r = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch (e) { console.log(`no report: ${e.message}`); process.exit(); }
      const p = [];
      const i = r.interrupted;
      if (!i) p.push("report not marked interrupted");
      else {
        if (i.signal !== sig) p.push(`interrupted.signal ${i.signal}, want ${sig}`);
        if (!new RegExp(stage).test(i.during)) p.push(`interrupted during "${i.during}", want /${stage}/`);
      }
      if (r.scenarios.length !== Number(runs)) p.push(`${r.scenarios.length} scenario runs in the report, want ${runs}`);
      const all = r.scenarios.flatMap((s) => s.outcomes);
      const undecided = all.filter((o) => o.reason.startsWith("not decided: the run was interrupted"));
      if (undecided.some((o) => o.verdict !== "INCONCLUSIVE")) p.push("an undecided criterion is not INCONCLUSIVE");
      if (i && i.during !== "cleanup" && undecided.length === 0) p.push("no criterion marked undecided");
      if (i && i.during === "cleanup" && undecided.length > 0) p.push("criteria undecided after a full run");
      console.log(p.length ? p.join("; ") : `ok ${i.during} (${undecided.length}/${all.length} undecided)`);
    ' "$dir/artifacts/report.json" "SIG$sig" "$stage" "$runs")
    if [[ $check == ok* ]]; then stage_seen=${check#ok }; else problems+=("$check"); fi
  fi
  if [[ $name == overlay ]]; then
    grep -q "seeded violation removed first: ClusterRoleBinding isoproof-rbac-tenant-a-edit" "$dir/out.log" ||
      problems+=("the overlay's ClusterRoleBinding was not removed first")
  fi
  local left
  left=$(leftovers)
  [[ -z $left ]] || problems+=("left on the cluster: $(echo "$left" | wc -l) object(s): $(echo "$left" | head -4 | tr -s ' ' | tr '\n' ';')")
  unlock
  # Readiness and apply last about a second here: a signal may land in the next stage. Only then, and
  # once, the drill is repeated (every other check of the attempt passed).
  if ((${#problems[@]} == 1)) && [[ ${problems[0]} == 'interrupted during '* && ${attempt:-1} == 1 ]]; then
    echo "drill $name: the signal landed in the next stage (${problems[0]}); repeating the drill once"
    attempt=2 drill "$name" "$sig" "$trigger" "$stage" "$runs" "$@"
    return
  fi
  if ((${#problems[@]} == 0)); then
    echo "drill $name: PASS (SIG$sig, exit $rc ${secs}s after the signal; report: $stage_seen; nothing labelled isoproof.dev/run left; $((SECONDS - start))s)"
    pass=$((pass + 1))
  else
    echo "drill $name: FAIL ($(printf '%s; ' "${problems[@]}")log $dir/out.log)"
    tail -8 "$dir/out.log" | sed 's/^/    /'
    fail=$((fail + 1))
  fi
}

for d in $DRILLS; do
  case $d in
    # The first scenario's apply: signalled as it starts applying.
    apply) drill apply INT '\[[a-z-]+\] applying [0-9]+ objects' ': apply$' "$all_runs" ;;
    # Waiting for the first scenario's workloads.
    readiness) drill readiness TERM '\[[a-z-]+\] waiting until ready' ': readiness$' "$all_runs" ;;
    # The second scenario's probes.
    probing) drill probing INT '\[rbac-least-privilege\] probe family' ': probing$' "$all_runs" ;;
    # Inside the cluster-scoped overlay, its ClusterRoleBinding live (edit in every namespace).
    overlay) drill overlay TERM '\[rbac-least-privilege/tenant-edit-clusterwide\] waiting until ready' 'tenant-edit-clusterwide: (readiness|prepare|probing)$' 1 --overlay tenant-edit-clusterwide ;;
    # The end-of-run cleanup: every verdict decided, the cleanup finishes, exit 130.
    cleanup) drill cleanup INT 'cleanup: deleting [0-9]+ objects' '^cleanup$' "$all_runs" ;;
    # Two signals: exit at once, naming the sweep command (which the drill then runs).
    double) drill double INT '\[[a-z-]+\] waiting until ready' '' "$all_runs" ;;
    *) echo "unknown drill $d" ;;
  esac
done
echo "signal drills: $pass passed, $fail failed in $((SECONDS - t0)) s (artifacts and logs in $work)"
echo "$pass passed, $fail failed"
((fail == 0))
