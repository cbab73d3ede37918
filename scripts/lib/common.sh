# Shared by scripts/setup, scripts/test and scripts/start. Sourced, not run.
# Installs only from the registries the project may use: npm, Debian, the Go module proxy.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_dir="${TOOLFORGE_TRACING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/toolforge-tracing}"
tools_bin="$cache_dir/bin"
export PATH="$tools_bin:$PATH"

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

require_node() {
  command -v node >/dev/null || die "Node.js is not installed (need >= 20); on Debian: apt-get install nodejs npm"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js $(node --version) is too old: need >= 20"
}

# npm ci when the lock file changed since the last install (or nothing is installed), unless
# the installed tree already is the lock file's (an `npm install` changed both).
ensure_npm_packages() {
  require_node
  local stamp="$repo_root/node_modules/.toolforge-tracing-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$repo_root/package-lock.json"; then return 0; fi
  if node "$repo_root/scripts/lib/npm-tree-matches-lock.mjs"; then
    cp "$repo_root/package-lock.json" "$stamp"
    return 0
  fi
  say "installing npm packages (npm ci)"
  (cd "$repo_root" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  cp "$repo_root/package-lock.json" "$stamp"
}

# Debian packages the real-component tests need. As root they are installed; otherwise
# the missing ones are named and the run stops.
debian_test_packages=(mariadb-server postgresql redis-server prometheus bpftrace php-cli php-mysql python3 python3-pymysql python3-redis python3-requests php-curl curl chromium iproute2 util-linux openssl strace systemd buildah busybox-static ca-certificates)

# What `toolforge-tracing local --demo` (scripts/start) runs: the pipeline and the demo fleet.
debian_local_packages=(prometheus bpftrace mariadb-server redis-server php-cli php-mysql php-curl python3 python3-pymysql python3-redis python3-requests curl util-linux)

ensure_debian_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
  # The packaged services must not run on their default ports: tests start their own.
  local svc
  for svc in mariadb redis-server prometheus prometheus-node-exporter; do
    systemctl stop "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
  done
}

require_go() {
  command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; }
  command -v go >/dev/null || die "Go is not installed: it is needed to build $1 from the Go module proxy (Debian: apt-get install golang)"
}

# Helm, pinned, built from the Go module proxy into the cache (unless one is on PATH).
helm_version="v3.19.0"
ensure_helm() {
  if command -v helm >/dev/null; then return 0; fi
  require_go helm
  say "building helm $helm_version from the Go module proxy into $tools_bin (once)"
  mkdir -p "$tools_bin"
  GOBIN="$tools_bin" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$helm_version" >&2 \
    || die "go install helm.sh/helm/v3/cmd/helm@$helm_version failed"
}

# The OpenTelemetry Collector with exactly the components of collector-config/builder.yaml,
# built once with the official builder from the Go module proxy into a cache folder keyed by
# the manifest's hash, and linked as $tools_bin/otelcol-toolforge. An otelcol-toolforge found
# on PATH elsewhere is used as it is.
otelcol_builder_version="v0.158.0"
ensure_otelcol() {
  local found
  found="$(command -v otelcol-toolforge || true)"
  if [ -n "$found" ] && [ "$found" != "$tools_bin/otelcol-toolforge" ]; then return 0; fi
  local manifest="$repo_root/collector-config/builder.yaml"
  [ -f "$manifest" ] || die "collector builder manifest missing: $manifest"
  local hash dir log
  hash="$(sha256sum "$manifest" | cut -c1-16)"
  dir="$cache_dir/otelcol-$hash"
  log="$dir/build.log"
  mkdir -p "$dir" "$tools_bin"
  (
    flock 9
    [ -x "$dir/build/otelcol-toolforge" ] && exit 0
    require_go "the OpenTelemetry Collector"
    say "building the OpenTelemetry Collector (builder $otelcol_builder_version) into $dir (once; 10-25 min on 2 cores; log: $log)"
    local start=$SECONDS
    {
      GOBIN="$dir" GOFLAGS=-mod=mod go install "go.opentelemetry.io/collector/cmd/builder@$otelcol_builder_version" &&
        (cd "$dir" && GOFLAGS=-mod=mod "$dir/builder" --config "$manifest")
    } >"$log" 2>&1 || die "building the OpenTelemetry Collector failed; last lines of $log: $(tail -n 20 "$log")"
    say "collector built in $((SECONDS - start)) s"
  ) 9>"$dir.lock" || exit 1
  ln -sfn "$dir/build/otelcol-toolforge" "$tools_bin/otelcol-toolforge"
}

# Runs "$@" (a build, at low priority: the machine is shared) with its output in $log, and
# says how long it took.
timed_build() {
  local what="$1" log="$2"
  shift 2
  local start=$SECONDS
  nice -n 10 "$@" >>"$log" 2>&1 || die "building $what failed; last lines of $log: $(tail -n 20 "$log")"
  say "$what built in $((SECONDS - start)) s"
}

# etcd for the tests' Kubernetes control plane: a two-line main calling etcdmain.Main, in a
# wrapper module generated into the cache, built once from the Go module proxy, linked as
# $tools_bin/etcd. An etcd found on PATH elsewhere is used as it is.
etcd_version="v3.7.3"
ensure_etcd() {
  local found
  found="$(command -v etcd || true)"
  if [ -n "$found" ] && [ "$found" != "$tools_bin/etcd" ]; then return 0; fi
  local dir="$cache_dir/etcd-$etcd_version"
  mkdir -p "$dir/src" "$tools_bin"
  (
    flock 9
    [ -x "$dir/bin/etcd" ] && exit 0
    require_go etcd
    say "building etcd $etcd_version from the Go module proxy into $dir (once; a few minutes; log: $dir/build.log)"
    printf 'module toolforge-tracing/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$etcd_version" >"$dir/src/go.mod"
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' >"$dir/src/main.go"
    : >"$dir/build.log"
    cd "$dir/src"
    timed_build "etcd $etcd_version" "$dir/build.log" env GOFLAGS=-mod=mod sh -c 'go mod tidy && go build -o "$0" .' "$dir/bin/etcd"
  ) 9>"$dir.lock" || exit 1
  ln -sfn "$dir/bin/etcd" "$tools_bin/etcd"
}

# cert-manager's CRDs (Certificate, Issuer, ...) for the tests' API server, so the chart's
# cert-manager objects are validated by a real API server too. They are plain YAML inside
# the github.com/cert-manager/cert-manager module (deploy/crds/), which the Go module proxy
# serves: downloaded once, the CRD files copied into the cache and linked as
# $cache_dir/cert-manager-crds (beside $tools_bin). Nothing is built.
cert_manager_version="v1.21.2"
ensure_cert_manager_crds() {
  local dir="$cache_dir/cert-manager-crds-$cert_manager_version"
  mkdir -p "$cache_dir"
  (
    flock 9
    [ -f "$dir/.complete" ] && exit 0
    require_go "cert-manager's CRDs"
    say "fetching cert-manager $cert_manager_version's CRDs from the Go module proxy into $dir (once)"
    local module
    module="$(cd "$cache_dir" && GOFLAGS=-mod=mod go mod download -json "github.com/cert-manager/cert-manager@$cert_manager_version" | sed -nE 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')" ||
      die "cannot download github.com/cert-manager/cert-manager@$cert_manager_version from the Go module proxy"
    [ -d "$module/deploy/crds" ] || die "github.com/cert-manager/cert-manager@$cert_manager_version has no deploy/crds"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$module"/deploy/crds/*.yaml "$dir/"
    touch "$dir/.complete"
  ) 9>"$dir.lock" || exit 1
  ln -sfn "$dir" "$cache_dir/cert-manager-crds"
}

# kube-apiserver and kube-controller-manager from k8s.io/kubernetes. That module points its
# k8s.io/* staging modules at ./staging/..., which only works inside its own repository, so a
# wrapper module generated into the cache replaces each of them (the `=> ./staging/` lines of
# kubernetes' go.mod) by its published v0.<minor>.<patch>. Built once, linked into
# $tools_bin; one found on PATH elsewhere is used as it is.
kube_version="v1.37.2"
ensure_kube_binaries() {
  local dir="$cache_dir/kubernetes-$kube_version"
  local staging_version="v0.${kube_version#v1.}"
  local bin
  mkdir -p "$dir/src" "$tools_bin"
  for bin in kube-apiserver kube-controller-manager; do
    local found
    found="$(command -v "$bin" || true)"
    if [ -n "$found" ] && [ "$found" != "$tools_bin/$bin" ]; then continue; fi
    (
      flock 9
      [ -x "$dir/bin/$bin" ] && exit 0
      require_go "$bin"
      local log="$dir/build-$bin.log"
      say "building $bin $kube_version from the Go module proxy into $dir (once; 10-40 min on 2 shared cores; log: $log)"
      : >"$log"
      if [ ! -f "$dir/src/go.mod" ]; then
        local upstream
        upstream="$(go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@$kube_version" 2>>"$log")" || die "cannot read the go.mod of k8s.io/kubernetes@$kube_version; see $log"
        {
          printf 'module toolforge-tracing/kubernetes\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes %s\n\n' "$kube_version"
          sed -nE "s#^[[:space:]]*(k8s\.io/[^[:space:]]+)[[:space:]]+=>[[:space:]]+\./staging/.*#replace \1 => \1 $staging_version#p" "$upstream"
        } >"$dir/src/go.mod.new"
        grep -q '^replace ' "$dir/src/go.mod.new" || die "no staging modules found in $upstream"
        mv "$dir/src/go.mod.new" "$dir/src/go.mod"
      fi
      cd "$dir/src"
      local ldflags="-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$kube_version" | cut -d. -f2)"
      timed_build "$bin $kube_version" "$log" env GOFLAGS=-mod=mod go build -ldflags "$ldflags" -o "$dir/bin/$bin" "k8s.io/kubernetes/cmd/$bin"
    ) 9>"$dir.lock" || exit 1
    ln -sfn "$dir/bin/$bin" "$tools_bin/$bin"
  done
}
