#!/usr/bin/env bash
# Helm chart checks that need no cluster, no Docker and no network beyond the Go module proxy.
#
#   scripts/chart-test.sh          install tools if needed, then for every value set in
#                                  helm/portcullis/ci/: helm lint, helm template, and validate every
#                                  rendered object against the Kubernetes API types (offline)
#   scripts/chart-test.sh tools    only install the tools; prints HELM_BIN=, K8S_VALIDATE_BIN=,
#                                  PROMQL_LINT_BIN= (the node tests in test/deploy/ call this)
#   scripts/chart-test.sh render VALUES.yaml   helm template with one value set (stdout)
#
# Tools are built from source with Go (helm from helm.sh/helm/v3; test/deploy/k8s-validate, a strict
# decoder over the k8s.io/api types; test/deploy/promql-lint, Prometheus' PromQL parser) and cached
# under ${PORTCULLIS_TOOLS_DIR:-~/.cache/portcullis/tools}. The first build takes several minutes
# (download and compile of helm); later runs take seconds. HELM_BIN / K8S_VALIDATE_BIN /
# PROMQL_LINT_BIN, when set, point at binaries to use instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/helm/portcullis"
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
TOOLS_DIR="${PORTCULLIS_TOOLS_DIR:-$HOME/.cache/portcullis/tools}"
HELM_VERSION="v3.22.0"
# The Kubernetes version helm reports to templates (.Capabilities) and lint checks deprecations
# against; release builds of helm set it at link time from the client-go version they embed.
KUBE_MAJOR=1
KUBE_MINOR=37

log() { printf '[chart-test] %s\n' "$*" >&2; }
die() {
  printf '[chart-test] ERROR: %s\n' "$*" >&2
  exit 1
}

# Serialise concurrent installs (parallel test files, CI steps).
lock_tools() {
  mkdir -p "$TOOLS_DIR"
  command -v flock >/dev/null 2>&1 || return 0
  exec 8>"$TOOLS_DIR/.lock"
  flock -w 1500 8 || die "timed out waiting for $TOOLS_DIR/.lock"
}

ensure_go() {
  command -v go >/dev/null 2>&1 || die "go is required to build helm and the validators (apt-get install golang, or https://go.dev/dl)"
}

install_helm() {
  if [ -n "${HELM_BIN:-}" ]; then
    [ -x "$HELM_BIN" ] || die "HELM_BIN=$HELM_BIN is not executable"
    return
  fi
  local dir="$TOOLS_DIR/helm-$HELM_VERSION-k8s$KUBE_MAJOR.$KUBE_MINOR"
  HELM_BIN="$dir/helm"
  [ -x "$HELM_BIN" ] && return
  ensure_go
  log "building helm $HELM_VERSION with go install (first time only; several minutes)…"
  local t0=$SECONDS
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS="-buildvcs=false" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$KUBE_MAJOR -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KUBE_MINOR \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$KUBE_MAJOR -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2 || {
    rm -rf "$dir"
    die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed"
  }
  log "helm $HELM_VERSION ready in $((SECONDS - t0))s: $HELM_BIN"
}

# build_go_tool NAME SOURCE_DIR VAR : builds a Go program of this repository into the cache, keyed
# by the hash of its sources (rebuilt when they change), and stores its path in VAR.
build_go_tool() {
  local name=$1 src=$2 var=$3 hash bin t0
  if [ -n "${!var:-}" ]; then
    [ -x "${!var}" ] || die "$var=${!var} is not executable"
    return
  fi
  hash=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)
  bin="$TOOLS_DIR/$name-$hash/$name"
  if [ ! -x "$bin" ]; then
    ensure_go
    log "building $name (${src#"$ROOT"/}; first time only)…"
    t0=$SECONDS
    mkdir -p "$(dirname "$bin")"
    (cd "$src" && GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .) >&2 ||
      die "building ${src#"$ROOT"/} failed"
    mv "$bin.tmp" "$bin"
    log "$name ready in $((SECONDS - t0))s: $bin"
  fi
  printf -v "$var" '%s' "$bin"
}

tools() {
  lock_tools
  install_helm
  build_go_tool k8s-validate "$ROOT/test/deploy/k8s-validate" K8S_VALIDATE_BIN
  build_go_tool promql-lint "$ROOT/test/deploy/promql-lint" PROMQL_LINT_BIN
  exec 8>&-
}

render() { # VALUES_FILE
  "$HELM_BIN" template portcullis "$CHART" --namespace portcullis -f "$1"
}

check_all() {
  local t0=$SECONDS failed=0 f name out
  local files=("$CHART"/ci/*.yaml)
  [ -e "${files[0]}" ] || die "no value sets in $CHART/ci"
  for f in "${files[@]}"; do
    name=$(basename "$f")
    log "$name: helm lint"
    if ! "$HELM_BIN" lint "$CHART" --strict --quiet -f "$f" >&2; then
      log "FAIL $name: helm lint"
      failed=$((failed + 1))
      continue
    fi
    log "$name: helm template | k8s-validate"
    if ! out=$(render "$f"); then
      log "FAIL $name: helm template"
      failed=$((failed + 1))
      continue
    fi
    if ! printf '%s\n' "$out" | "$K8S_VALIDATE_BIN" >&2; then
      log "FAIL $name: rendered objects are not valid Kubernetes objects"
      failed=$((failed + 1))
    fi
  done
  log "${#files[@]} value sets checked in $((SECONDS - t0))s, $failed failed"
  [ "$failed" -eq 0 ]
}

main() {
  local cmd=${1:-all}
  case "$cmd" in
  tools)
    tools
    printf 'HELM_BIN=%s\nK8S_VALIDATE_BIN=%s\nPROMQL_LINT_BIN=%s\n' "$HELM_BIN" "$K8S_VALIDATE_BIN" "$PROMQL_LINT_BIN"
    ;;
  render)
    [ "$#" -eq 2 ] || die "usage: $0 render VALUES.yaml"
    tools
    render "$2"
    ;;
  all)
    tools
    check_all
    ;;
  -h | --help | help) sed -n '2,16p' "$0" ;;
  *) die "unknown command \"$cmd\" (try: $0 help)" ;;
  esac
}

main "$@"
