# Sourced by the .ci scripts: go_tool NAME PACKAGE VERSION prints the path of NAME built from its Go
# module (`go install PACKAGE@VERSION`) into ~/.cache/isoproof/tools/NAME-VERSION, building it once.
# No binary download: the Go module proxy only. Exits 2 with one line when Go is missing.
# shellcheck shell=bash
go_tool() {
  local name=$1 pkg=$2 version=$3
  local dir="${ISOPROOF_TOOLS_DIR:-$HOME/.cache/isoproof/tools}/$name-$version"
  if [[ ! -x "$dir/$name" ]]; then
    command -v go >/dev/null 2>&1 || { echo "$name: go is required to build $name $version from its module" >&2; exit 2; }
    mkdir -p "$dir"
    echo "$name: building $name $version into $dir" >&2
    GOBIN="$dir" GOFLAGS="${GOFLAGS:-} -trimpath" go install "$pkg@$version" >&2
  fi
  echo "$dir/$name"
}
