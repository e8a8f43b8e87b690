#!/usr/bin/env bash
# Run once by docker-compose.yml's `elasticsearch-init` (profile elasticsearch),
# in the Elasticsearch image (it has bash and curl), after Elasticsearch is
# healthy. Idempotent: every call sets the same state again.
#
#   1. the password of the built-in user kibana_system, which Kibana logs in with;
#   2. the role `trailstream`: what setup, worker, doctor and replay-dlq need
#      (docs/elasticsearch.md, "Least privilege"), on the default index prefix
#      `cloudtrail` and dead-letter index `trailstream-dead-letter`;
#   3. the user `trailstream` with that role and kibana_admin (setup imports the
#      saved objects into Kibana with the same credentials).
#
# Environment: ELASTICSEARCH_URL, ELASTIC_PASSWORD, KIBANA_SYSTEM_PASSWORD,
# TRAILSTREAM_PASSWORD. Passwords are never printed.
set -euo pipefail

es() {
  local method=$1 path=$2 body=$3
  curl -fsS -o /dev/null -u "elastic:${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' \
    -X "$method" "${ELASTICSEARCH_URL}${path}" --data-binary @- <<<"$body"
  echo "elasticsearch-init: $method $path: done"
}

es POST /_security/user/kibana_system/_password "{\"password\":\"${KIBANA_SYSTEM_PASSWORD}\"}"

es PUT /_security/role/trailstream '{
  "cluster": ["monitor", "manage_index_templates", "manage_ilm"],
  "indices": [
    {
      "names": ["cloudtrail-*", "trailstream-dead-letter"],
      "privileges": ["create_index", "index", "create_doc", "auto_configure", "manage", "read", "delete"]
    }
  ]
}'

es PUT /_security/user/trailstream "{\"password\":\"${TRAILSTREAM_PASSWORD}\",\"roles\":[\"trailstream\",\"kibana_admin\"],\"full_name\":\"trailstream setup and worker\"}"
