#!/usr/bin/env bash
# The README's first command: on a fresh machine, brings up the local stack
# (real OpenSearch + moto S3/SQS), installs the index templates, uploads
# CloudTrail files to the bucket (S3 notifies SQS), runs the worker until the
# queue is drained and prints what landed in OpenSearch.
#
#   npm run demo                                  OpenSearch
#   npm run demo -- --engine elasticsearch        Elasticsearch (9.2.0; --es-version 8.19.0 for 8)
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${TRAILSTREAM_ENGINE:-opensearch}
stack_args=()
while (($# > 0)); do
  case $1 in
    --engine) engine=${2:-}; shift 2 || { echo "demo: --engine needs opensearch or elasticsearch" >&2; exit 2; } ;;
    --engine=*) engine=${1#--engine=}; shift ;;
    --es-version) stack_args+=(--es-version "${2:-}"); shift 2 || { echo "demo: --es-version needs a version" >&2; exit 2; } ;;
    --es-version=*) stack_args+=("$1"); shift ;;
    *) echo "demo: unknown option '$1' (--engine opensearch|elasticsearch, --es-version V)" >&2; exit 2 ;;
  esac
done
case $engine in
  opensearch) engine_name=OpenSearch ;;
  elasticsearch) engine_name=Elasticsearch ;;
  *) echo "demo: unknown engine '$engine' (opensearch or elasticsearch)" >&2; exit 2 ;;
esac

step() { printf '\n==> %s\n' "$*" >&2; }

if [ ! -d node_modules ]; then
  step "installing npm dependencies"
  npm ci --no-audit --no-fund
fi

step "starting the local stack ($engine_name + S3/SQS)"
bash stack/stack.sh up --engine "$engine" "${stack_args[@]}"
eval "$(bash stack/stack.sh env --engine "$engine")"
# A single local node cannot hold replicas.
export TRAILSTREAM_INDEX_REPLICAS="${TRAILSTREAM_INDEX_REPLICAS:-0}"
export TRAILSTREAM_INDEX_REFRESH_INTERVAL="${TRAILSTREAM_INDEX_REFRESH_INTERVAL:-1s}"
# Per-object log lines are for operators; the demo prints a summary instead.
export TRAILSTREAM_LOG_LEVEL="${TRAILSTREAM_LOG_LEVEL:-warn}"
# The AWS SDK warns that its releases after January 2027 need Node 22; the README says so once.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED="${AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:-true}"

step "building"
npm run -s build

step "installing index templates (trailstream setup)"
node dist/cli/main.js setup

step "uploading CloudTrail files to s3://${TRAILSTREAM_BUCKET}"
node dist/demo/run-demo.js upload

step "running the worker until the queue is idle (trailstream worker --until-idle 5)"
node dist/cli/main.js worker --until-idle 5 > .stack/demo-worker.json
node -e 'const s=JSON.parse(require("fs").readFileSync(".stack/demo-worker.json","utf8")).worker;
console.log(`worker: ${s.messagesReceived} messages, ${s.objectsProcessed} objects indexed, ${s.objectsSkipped} skipped, ${s.objectsFailed} failed; ${s.records} records read, ${s.recordsIndexed} indexed, ${s.recordsDeadLettered} dead-lettered`)'

step "what is in $engine_name"
node dist/demo/run-demo.js summary
echo "The stack keeps running: 'npm run stack -- down' stops it." >&2
