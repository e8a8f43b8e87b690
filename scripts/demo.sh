#!/usr/bin/env bash
# The README's first command: on a fresh machine, brings up the local stack
# (real OpenSearch + moto S3/SQS), installs the index templates, uploads
# CloudTrail files to the bucket (S3 notifies SQS), runs the worker until the
# queue is drained and prints what landed in OpenSearch.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

if [ ! -d node_modules ]; then
  step "installing npm dependencies"
  npm ci --no-audit --no-fund
fi

step "starting the local stack (OpenSearch + S3/SQS)"
bash stack/stack.sh up
eval "$(bash stack/stack.sh env)"
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

step "what is in OpenSearch"
node dist/demo/run-demo.js summary
echo "The stack keeps running: 'npm run stack -- down' stops it." >&2
