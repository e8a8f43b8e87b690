#!/usr/bin/env bash
# Installs the deploy-validation tools into the project (git-ignored .tools/):
#   .tools/bin/helm   built from the Go module proxy (no binary download)
#   .tools/venv       Python venv with cfn-lint and kubernetes-validate (PyPI)
# Each tool is installed once and reused while its pinned version matches;
# delete .tools/ to start over. Needs: go >= 1.24, python3 >= 3.9.
set -euo pipefail
cd "$(dirname "$0")/../.."

HELM_VERSION=v3.21.4
# The Kubernetes version helm assumes without a cluster (helm's Makefile takes
# it from its client-go, v0.36 for helm v3.21.4); check.sh passes --kube-version anyway.
HELM_K8S_MINOR=36
CFN_LINT_VERSION=1.58.0
KUBERNETES_VALIDATE_VERSION=1.37.0

tools=.tools
mkdir -p "$tools/bin"

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

if ! stamp_ok "$tools/helm.version" "$HELM_VERSION k8s 1.$HELM_K8S_MINOR" || [ ! -x "$tools/bin/helm" ]; then
  command -v go >/dev/null || { echo "go is needed to build helm $HELM_VERSION (https://go.dev/dl/)" >&2; exit 1; }
  echo "==> building helm $HELM_VERSION from the Go module proxy (once; takes a few minutes)" >&2
  # The -X flags are the ones helm's own Makefile sets.
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in pkg/lint/rules pkg/chartutil; do
    ldflags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  # Module and build caches live in .tools/go while building and are dropped
  # afterwards: the binary is what is kept.
  GOBIN="$PWD/$tools/bin" GOMODCACHE="$PWD/$tools/go/mod" GOCACHE="$PWD/$tools/go/cache" \
    GOFLAGS="-mod=mod -modcacherw" CGO_ENABLED=0 \
    nice go install -trimpath -ldflags="$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$tools/go"
  echo "$HELM_VERSION k8s 1.$HELM_K8S_MINOR" > "$tools/helm.version"
fi

py_want="cfn-lint==$CFN_LINT_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
if ! stamp_ok "$tools/venv.version" "$py_want" || [ ! -x "$tools/venv/bin/cfn-lint" ]; then
  command -v python3 >/dev/null || { echo "python3 is needed for cfn-lint and kubernetes-validate" >&2; exit 1; }
  echo "==> installing $py_want into $tools/venv" >&2
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check $py_want
  echo "$py_want" > "$tools/venv.version"
fi
