# step(): one build step, run once per cache directory (sourced by clusters/local/build.sh and
# clusters/kind/node-image.sh, not run).
# shellcheck shell=bash disable=SC2154
# The sourcing script defines log() and $out (its cache directory); optionally STEP_NOTE (said when a
# step builds) and STEP_TIMINGS (a file that gets a "name seconds" line per step built).

step() { # name command...: runs once per cache dir
  local name=$1; shift
  if [[ -f "$out/.done-$name" ]]; then log "$name: cached"; return; fi
  log "$name: building${STEP_NOTE:+ ($STEP_NOTE)}"
  local t0=$SECONDS
  "$@"
  touch "$out/.done-$name"
  log "$name: done in $((SECONDS - t0)) s"
  if [[ -n ${STEP_TIMINGS:-} ]]; then echo "$name $((SECONDS - t0))" >> "$STEP_TIMINGS"; fi
}
