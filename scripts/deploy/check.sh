#!/usr/bin/env bash
# npm run check:deploy — validates everything under deploy/ with tools the
# project installs itself (scripts/deploy/tools.sh, into the git-ignored .tools/):
#
#   0. with --update: the chart's settings lists from src/config/settings.ts
#      (scripts/deploy/sync-chart-settings.mjs) and the rendered fixtures below;
#   1. helm lint over every values file of deploy/helm/trailstream/ci/;
#   2. helm template of each into test/fixtures/deploy/rendered/<case>.yaml,
#      which must equal the committed file (the unit tests in test/unit/deploy/
#      read those; `npm run check:deploy -- --update` rewrites them);
#   3. the rendered manifests against the Kubernetes OpenAPI schemas
#      (kubernetes-validate, strict: unknown fields are errors; custom resources
#      are checked by the unit tests against test/fixtures/deploy/schemas/);
#   4. values the chart must refuse (misspelt setting, secret in values, ...);
#   5. cfn-lint on deploy/cloudformation/trailstream.yaml;
#   6. the production image's contents without Docker (scripts/deploy/check-image.mjs);
#   7. docker-compose.yml with each profile (default, metrics, elasticsearch):
#      `docker compose config` where Docker is installed, and the Elasticsearch
#      profile's init script parsed by bash; the Compose schema and consistency
#      checks of every profile are unit tests (test/unit/packaging/compose.test.ts);
#   8. the unit tests of test/unit/deploy/ and test/unit/packaging/.
set -euo pipefail
cd "$(dirname "$0")/../.."

update=false
[ "${1:-}" = "--update" ] && update=true

# Kubernetes versions the manifests are rendered for and validated against:
# the chart's floor (kubeVersion >= 1.27) and the newest kubernetes-validate knows.
RENDER_KUBERNETES_VERSION=1.31.0
KUBERNETES_VERSIONS=(1.27.0 1.37.0)

bash scripts/deploy/tools.sh
helm=.tools/bin/helm
venv=.tools/venv/bin
chart=deploy/helm/trailstream
rendered=test/fixtures/deploy/rendered
work=.tools/check
rm -rf "$work" && mkdir -p "$work" "$rendered"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

if $update; then
  echo "==> values.schema.json settings from src/config/settings.ts" >&2
  npm run -s build
  node scripts/deploy/sync-chart-settings.mjs
fi

echo "==> helm lint and template ($("$helm" version --short))" >&2
cases=()
for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values" -values.yaml)
  cases+=("$name")
  "$helm" lint --strict "$chart" -f "$values" >"$work/lint-$name.txt" 2>&1 || { cat "$work/lint-$name.txt" >&2; fail "helm lint ($name)"; }
  {
    echo "# Rendered by scripts/deploy/check.sh from $values; do not edit (npm run check:deploy -- --update)."
    "$helm" template trailstream "$chart" --namespace trailstream --kube-version "$RENDER_KUBERNETES_VERSION" -f "$values"
  } >"$work/$name.yaml" || { fail "helm template ($name)"; continue; }
  if $update; then
    cp "$work/$name.yaml" "$rendered/$name.yaml"
  elif ! diff -u "$rendered/$name.yaml" "$work/$name.yaml" >&2; then
    fail "$rendered/$name.yaml is not what the chart renders: run npm run check:deploy -- --update and review the diff"
  fi
done
for stale in "$rendered"/*.yaml; do
  [ -e "$stale" ] || continue
  [[ " ${cases[*]} " == *" $(basename "$stale" .yaml) "* ]] || fail "$stale has no values file in $chart/ci/"
done

echo "==> Kubernetes schemas (kubernetes-validate, Kubernetes ${KUBERNETES_VERSIONS[*]})" >&2
for name in "${cases[@]}"; do
  for version in "${KUBERNETES_VERSIONS[@]}"; do
    out="$work/validate-$name-$version.txt"
    "$venv/kubernetes-validate" --strict -k "$version" "$work/$name.yaml" >"$out" 2>&1 || { grep -v '^INFO' "$out" >&2; fail "kubernetes-validate ($name, $version)"; }
    # Only the custom resources may lack a schema there; the unit tests check
    # them against test/fixtures/deploy/schemas/.
    if grep "Couldn't find schema" "$out" | grep -Ev "kind (ScaledObject|TriggerAuthentication) with api version keda.sh/v1alpha1|kind ServiceMonitor with api version monitoring.coreos.com/v1" >&2; then
      fail "kubernetes-validate found no schema for a built-in kind ($name, $version)"
    fi
    checked=$(grep -c '^INFO .* passed for resource' "$out" || true)
    [ "$checked" -gt 0 ] || fail "kubernetes-validate checked nothing ($name, $version)"
  done
  echo "  $name: $checked built-in resources valid for ${KUBERNETES_VERSIONS[*]}" >&2
done

echo "==> values the chart refuses" >&2
must_refuse() {
  local why=$1 expect=$2
  shift 2
  local out
  if out=$("$helm" template trailstream "$chart" --kube-version "$RENDER_KUBERNETES_VERSION" -f "$chart/ci/defaults-values.yaml" "$@" 2>&1); then
    fail "helm template accepted $why ($*)"
  elif ! grep -q -- "$expect" <<<"$out"; then
    echo "$out" >&2
    fail "helm template refused $why without saying \"$expect\""
  else
    echo "  refused: $why" >&2
  fi
}
must_refuse "a misspelt setting" "TRAILSTREAM_QUEUE_URI" --set config.TRAILSTREAM_QUEUE_URI=x
must_refuse "the OpenSearch password in values" "OPENSEARCH_PASSWORD" --set config.OPENSEARCH_PASSWORD=hunter2
must_refuse "no queue URL" "TRAILSTREAM_QUEUE_URL is required" --set config.TRAILSTREAM_QUEUE_URL=
must_refuse "no allowed bucket" "TRAILSTREAM_ALLOWED_BUCKETS" --set config.TRAILSTREAM_ALLOWED_BUCKETS=
must_refuse "no image" "image.repository" --set image.repository=
must_refuse "the metrics server turned off" "TRAILSTREAM_METRICS_PORT" --set config.TRAILSTREAM_METRICS_PORT=0
must_refuse "scale to zero without KEDA" "needs KEDA" --set autoscaling.keda.enabled=false --set autoscaling.minReplicas=0
must_refuse "a secret key for an unknown setting" "OPENSEARCH_PASSWD" --set secrets.existingSecret=s --set secrets.keys.OPENSEARCH_PASSWD=p

echo "==> cfn-lint ($("$venv/cfn-lint" --version))" >&2
"$venv/cfn-lint" deploy/cloudformation/trailstream.yaml || fail "cfn-lint"

echo "==> the production image's contents (no Docker engine: Node and npm instead)" >&2
node scripts/deploy/check-image.mjs || fail "image contents"

echo "==> docker-compose.yml: default, --profile metrics, --profile elasticsearch" >&2
bash -n docker/elasticsearch-init.sh || fail "docker/elasticsearch-init.sh does not parse"
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
  for profile in "" metrics elasticsearch; do
    docker compose ${profile:+--profile "$profile"} config --quiet || fail "docker compose ${profile:+--profile $profile }config"
  done
else
  echo "  no Docker here: docker compose config not run; the unit tests below validate every profile against the Compose schema" >&2
fi

echo "==> unit tests of test/unit/deploy and test/unit/packaging (compose.test.ts checks each profile)" >&2
NODE_OPTIONS=--experimental-vm-modules npx jest test/unit/deploy/ test/unit/packaging/ --selectProjects unit || fail "unit tests"

if [ "$failures" -gt 0 ]; then
  echo "check:deploy: $failures check(s) failed" >&2
  exit 1
fi
echo "check:deploy: all checks passed (${#cases[@]} chart cases, CloudFormation, image contents)" >&2
