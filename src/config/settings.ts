import { z } from 'zod';

/**
 * Every setting trailstream reads, in one table: its environment variable, its
 * type (a zod schema over the raw string), its default and what it means. The
 * loader, the cross-field rules and the generated configuration reference
 * (docs/configuration.md) are all driven from here, so they cannot drift apart.
 */
export interface SettingSpec<T> {
  readonly env: string;
  readonly schema: z.ZodType<T>;
  /** The default as the user would write it (a string), or undefined if none. */
  readonly default?: string;
  readonly description: string;
  /** Marks values that must never be logged or echoed in errors. */
  readonly secret?: boolean;
  /** A URL that may embed user:password; shown without it when it is invalid. */
  readonly urlWithCredentials?: boolean;
  readonly group: 'Target' | 'OpenSearch' | 'Elasticsearch' | 'Lifecycle' | 'Dashboards' | 'AWS' | 'Queue' | 'Objects' | 'Enrichment' | 'Detections' | 'Bulk' | 'Worker' | 'Backfill' | 'Metrics' | 'Logging';
}

const MiB = 1024 * 1024;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
const list = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );
const httpUrl = z.url({ protocol: /^https?$/ });
const httpUrls = list.pipe(z.array(httpUrl).min(1, 'needs at least one URL'));
const regex = z.string().transform((s, ctx) => {
  try {
    return new RegExp(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(e as Error).message})` });
    return z.NEVER;
  }
});
const indexName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lowercase letters, digits, "-", "_" or "." and start with a letter or digit');

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

export const settings = {
  target: setting({
    env: 'TRAILSTREAM_TARGET',
    schema: z.enum(['opensearch', 'elasticsearch']),
    default: 'opensearch',
    description:
      'The search engine trailstream writes to: `opensearch` (OpenSearch 2.7+ or Amazon OpenSearch Service, configured with the OPENSEARCH_* settings) or `elasticsearch` (Elasticsearch 8 or 9, configured with the ELASTICSEARCH_* settings; see docs/elasticsearch.md). `doctor` and `setup` say so when the server at the URL is the other engine.',
    group: 'Target',
  }),
  opensearchUrls: setting({
    env: 'OPENSEARCH_URL',
    schema: httpUrls,
    default: 'http://127.0.0.1:9200',
    description:
      'OpenSearch endpoint (http or https), or several nodes of one cluster separated by commas (`https://node1:9200,https://node2:9200`): requests are spread over them round-robin and a node that fails to answer is skipped until it answers a ping again (after 60 s, then longer). Behind a load balancer or on Amazon OpenSearch Service give the one endpoint. Credentials in the URL are accepted (and never logged) but prefer OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD.',
    urlWithCredentials: true,
    group: 'OpenSearch',
  }),
  opensearchSniff: setting({
    env: 'OPENSEARCH_SNIFF',
    schema: bool,
    default: 'false',
    description:
      'Discover the cluster\'s other nodes from the nodes in OPENSEARCH_URL (at startup, every 5 minutes and after a connection fails) and send requests to them too. Leave it off for Amazon OpenSearch Service, OpenSearch Serverless and anything behind a load balancer or proxy: the addresses nodes publish are not reachable from outside there. Only for self-managed clusters whose nodes\' publish addresses the worker can reach.',
    group: 'OpenSearch',
  }),
  opensearchUsername: setting({
    env: 'OPENSEARCH_USERNAME',
    schema: z.string().min(1).optional(),
    description: 'User for HTTP basic authentication to OpenSearch.',
    group: 'OpenSearch',
  }),
  opensearchPassword: setting({
    env: 'OPENSEARCH_PASSWORD',
    schema: z.string().min(1).optional(),
    description: 'Password for HTTP basic authentication to OpenSearch. Never logged.',
    secret: true,
    group: 'OpenSearch',
  }),
  opensearchAuth: setting({
    env: 'OPENSEARCH_AUTH',
    schema: z.enum(['none', 'basic', 'sigv4']).optional(),
    description:
      'How trailstream authenticates to OpenSearch: `none`, `basic` (HTTP basic auth with OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD or credentials in OPENSEARCH_URL) or `sigv4` (AWS Signature Version 4 with the standard AWS credential chain: environment, shared profile, web identity such as EKS IRSA, ECS container role, EC2 instance role; for Amazon OpenSearch Service and OpenSearch Serverless, see docs/amazon-opensearch-service.md). Unset: `basic` when credentials are given, else `none`.',
    group: 'OpenSearch',
  }),
  opensearchAwsService: setting({
    env: 'OPENSEARCH_AWS_SERVICE',
    schema: z.enum(['es', 'aoss']),
    default: 'es',
    description:
      'Service name SigV4 signs for: `es` for an Amazon OpenSearch Service domain, `aoss` for an OpenSearch Serverless collection (then `setup` skips what Serverless does not have: the version probe and the ISM lifecycle policy). Only with OPENSEARCH_AUTH=sigv4.',
    group: 'OpenSearch',
  }),
  opensearchAwsRegion: setting({
    env: 'OPENSEARCH_AWS_REGION',
    schema: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region name such as us-east-1').optional(),
    description: 'Region of the OpenSearch domain or collection that SigV4 signs for. Defaults to AWS_REGION. Only with OPENSEARCH_AUTH=sigv4.',
    group: 'OpenSearch',
  }),
  opensearchCaFile: setting({
    env: 'OPENSEARCH_CA_FILE',
    schema: z.string().min(1).optional(),
    description:
      'PEM file with one or more CA certificates to trust for OpenSearch (and only those: the system CAs are then not used), for clusters whose certificate a private CA signed. Read at startup; an unreadable file or one without a valid certificate stops trailstream with an error naming the path.',
    group: 'OpenSearch',
  }),
  opensearchTlsVerify: setting({
    env: 'OPENSEARCH_TLS_VERIFY',
    schema: bool,
    default: 'true',
    description:
      'Verify the OpenSearch server certificate and host name. `false` accepts any certificate, so anyone on the network path can impersonate the cluster and read what is sent, credentials included; every command that connects logs a warning. Prefer OPENSEARCH_CA_FILE. Ignored for http:// URLs.',
    group: 'OpenSearch',
  }),
  indexPrefix: setting({
    env: 'TRAILSTREAM_INDEX_PREFIX',
    schema: indexName,
    default: 'cloudtrail',
    description: 'Event indices are named <prefix>-<period> after each record\'s eventTime (UTC), the period set by TRAILSTREAM_INDEX_GRANULARITY; Insight events go to <prefix>-insights-<period>, records without a usable date or delivery day to <prefix>-undated.',
    group: 'OpenSearch',
  }),
  indexGranularity: setting({
    env: 'TRAILSTREAM_INDEX_GRANULARITY',
    schema: z.enum(['day', 'week', 'month']),
    default: 'day',
    description:
      'The period one event index covers, chosen from each record\'s eventTime (UTC), so a record always lands in the same index: `day` (<prefix>-2026.11.23), `week` (ISO 8601 week, Monday to Sunday: <prefix>-2026.w48) or `month` (<prefix>-2026.11). Fewer, larger indices suit small accounts and long backfills (see docs/operations.md, "Sizing"). Changing it later is safe: old indices keep their names, new records go to indices of the new period (the same event may then exist once in an old and once in a new index if it is re-ingested); dashboards, `prune` and the lifecycle policy handle every granularity.',
    group: 'OpenSearch',
  }),
  deadLetterIndex: setting({
    env: 'TRAILSTREAM_DEAD_LETTER_INDEX',
    schema: indexName,
    default: 'trailstream-dead-letter',
    description: 'Index that receives records OpenSearch rejected for good (mapping errors, too large) or that are not valid JSON, with the raw record, the error and its bucket/key/ordinal.',
    group: 'OpenSearch',
  }),
  numberOfShards: setting({
    env: 'TRAILSTREAM_INDEX_SHARDS',
    schema: int(1, 1024),
    default: '1',
    description: 'Primary shards per event index (index template setting); see docs/operations.md, "Sizing", for how many a period needs.',
    group: 'OpenSearch',
  }),
  numberOfReplicas: setting({
    env: 'TRAILSTREAM_INDEX_REPLICAS',
    schema: int(0, 16),
    default: '1',
    description: 'Replicas per event index (index template setting). A single-node cluster stays yellow with 1; the local stack uses 0.',
    group: 'OpenSearch',
  }),
  refreshInterval: setting({
    env: 'TRAILSTREAM_INDEX_REFRESH_INTERVAL',
    schema: z.string().regex(/^(-1|\d+(ms|s|m))$/, 'must be a time value such as 1s, 30s or -1'),
    default: '5s',
    description: 'Refresh interval of the event indices (index template setting).',
    group: 'OpenSearch',
  }),
  retentionDays: setting({
    env: 'TRAILSTREAM_RETENTION_DAYS',
    schema: int(0, 36500),
    default: '90',
    description:
      'Days an event or Insights index is kept after the end of the period it covers (so every record is kept at least this long). `setup` installs the lifecycle policy `trailstream-<prefix>-lifecycle` (OpenSearch Index State Management, attached to new indices through its ISM template; Elasticsearch ILM, named by the index templates), which deletes an index this many days plus one period (1, 7 or 31 days; the longest of the configured granularity and of the indices that exist) after its creation; where there is no ISM, `trailstream prune --older-than <days>` applies the same rule by the date in the index name. 0 keeps indices forever and installs no policy. Without the ISM plugin `setup` says so and carries on.',
    group: 'Lifecycle',
  }),
  warmAfterDays: setting({
    env: 'TRAILSTREAM_WARM_AFTER_DAYS',
    schema: int(1, 36500).optional(),
    description:
      'Optional warm phase: this many days after the end of its period (ISM: days plus one period after creation) ISM force-merges an index to one segment and lowers its recovery priority. A force-merged index is read-only, so choose more days than the age of any data you may still backfill or replay. Must be less than TRAILSTREAM_RETENTION_DAYS. Unset: no warm phase.',
    group: 'Lifecycle',
  }),
  elasticsearchUrl: setting({
    env: 'ELASTICSEARCH_URL',
    schema: httpUrl,
    default: 'http://127.0.0.1:9200',
    description: 'Elasticsearch endpoint (http or https), with TRAILSTREAM_TARGET=elasticsearch. Credentials in the URL are accepted (and never logged) but prefer ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD or ELASTICSEARCH_API_KEY.',
    urlWithCredentials: true,
    group: 'Elasticsearch',
  }),
  elasticsearchUsername: setting({
    env: 'ELASTICSEARCH_USERNAME',
    schema: z.string().min(1).optional(),
    description: 'User for HTTP basic authentication to Elasticsearch (and to Kibana with KIBANA_URL).',
    group: 'Elasticsearch',
  }),
  elasticsearchPassword: setting({
    env: 'ELASTICSEARCH_PASSWORD',
    schema: z.string().min(1).optional(),
    description: 'Password for HTTP basic authentication to Elasticsearch (and Kibana). Never logged.',
    secret: true,
    group: 'Elasticsearch',
  }),
  elasticsearchApiKey: setting({
    env: 'ELASTICSEARCH_API_KEY',
    schema: z.string().min(1).optional(),
    description:
      'Elasticsearch API key, the base64 `encoded` value that `POST /_security/api_key` returns (sent as `Authorization: ApiKey <key>`, to Kibana too). Instead of ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD. Never logged.',
    secret: true,
    group: 'Elasticsearch',
  }),
  elasticsearchCaFile: setting({
    env: 'ELASTICSEARCH_CA_FILE',
    schema: z.string().min(1).optional(),
    description:
      'PEM file with the CA certificates to trust for Elasticsearch (only those), e.g. the `http_ca.crt` Elasticsearch generates on first start. Read at startup; an unreadable file or one without a valid certificate stops trailstream with an error naming the path.',
    group: 'Elasticsearch',
  }),
  elasticsearchTlsVerify: setting({
    env: 'ELASTICSEARCH_TLS_VERIFY',
    schema: bool,
    default: 'true',
    description:
      'Verify the Elasticsearch server certificate and host name. `false` accepts any certificate (anyone on the network path can impersonate the cluster); every command that connects logs a warning. Prefer ELASTICSEARCH_CA_FILE. Ignored for http:// URLs.',
    group: 'Elasticsearch',
  }),
  kibanaUrl: setting({
    env: 'KIBANA_URL',
    schema: httpUrl.optional(),
    urlWithCredentials: true,
    description:
      'Kibana endpoint (with its base path if it has one), with TRAILSTREAM_TARGET=elasticsearch. When set, `setup` imports dashboards/trailstream-kibana.ndjson (data views, saved searches, visualizations, dashboards) through Kibana\'s saved objects API, overwriting earlier versions, with the Elasticsearch credentials, and `doctor` checks that Kibana answers (version, status) and that those objects are imported and current. Unset: Kibana is not touched.',
    group: 'Dashboards',
  }),
  dashboardsUrl: setting({
    env: 'OPENSEARCH_DASHBOARDS_URL',
    schema: httpUrl.optional(),
    urlWithCredentials: true,
    description:
      'OpenSearch Dashboards endpoint (http or https, with its base path if it has one). When set, `setup` imports the saved objects of dashboards/ (index patterns, saved searches, visualizations, dashboards) through the saved objects API, overwriting earlier versions, with the OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD credentials. Unset: dashboards are not touched.',
    group: 'Dashboards',
  }),
  awsRegion: setting({
    env: 'AWS_REGION',
    schema: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region name such as us-east-1'),
    default: 'us-east-1',
    description: 'Region of the SQS queue and S3 buckets.',
    group: 'AWS',
  }),
  awsEndpointUrl: setting({
    env: 'AWS_ENDPOINT_URL',
    schema: httpUrl.optional(),
    description: 'Endpoint override for S3 and SQS (e.g. the local stack\'s moto server). Unset for AWS.',
    group: 'AWS',
  }),
  s3ForcePathStyle: setting({
    env: 'TRAILSTREAM_S3_FORCE_PATH_STYLE',
    schema: bool.optional(),
    description: 'Use path-style S3 URLs. Defaults to true when AWS_ENDPOINT_URL is set (emulators), false otherwise.',
    group: 'AWS',
  }),
  queueUrl: setting({
    env: 'TRAILSTREAM_QUEUE_URL',
    schema: httpUrl.optional(),
    description: 'URL of the SQS queue that receives the S3 (or SNS / EventBridge) notifications. Required by `worker`.',
    group: 'Queue',
  }),
  dlqUrl: setting({
    env: 'TRAILSTREAM_DLQ_URL',
    schema: httpUrl.optional(),
    description: 'Dead-letter queue for messages that can never succeed (bad notification, missing or corrupt object, bucket not allowed). They are sent there with the reason in message attributes, then deleted. Unset: they are left for the queue\'s own redrive policy.',
    group: 'Queue',
  }),
  receiveBatchSize: setting({
    env: 'TRAILSTREAM_RECEIVE_BATCH_SIZE',
    schema: int(1, 10),
    default: '10',
    description: 'Messages per ReceiveMessage call (SQS allows 1–10).',
    group: 'Queue',
  }),
  waitTimeSeconds: setting({
    env: 'TRAILSTREAM_WAIT_TIME_SECONDS',
    schema: int(0, 20),
    default: '20',
    description: 'Long-poll wait of ReceiveMessage (SQS allows 0–20).',
    group: 'Queue',
  }),
  visibilityTimeoutSeconds: setting({
    env: 'TRAILSTREAM_VISIBILITY_TIMEOUT_SECONDS',
    schema: int(10, 43200),
    default: '120',
    description: 'Visibility timeout requested on receive and renewed by each heartbeat while a message is in progress.',
    group: 'Queue',
  }),
  heartbeatIntervalSeconds: setting({
    env: 'TRAILSTREAM_HEARTBEAT_INTERVAL_SECONDS',
    schema: int(1, 43200),
    default: '30',
    description: 'How often the visibility of in-progress messages is extended. Must be less than the visibility timeout.',
    group: 'Queue',
  }),
  maxVisibilitySeconds: setting({
    env: 'TRAILSTREAM_MAX_VISIBILITY_SECONDS',
    schema: int(10, 43200),
    default: '21600',
    description: 'Stop extending a message\'s visibility after this long in progress (SQS caps it at 12 hours); it then becomes visible to other workers.',
    group: 'Queue',
  }),
  retryBackoffSeconds: setting({
    env: 'TRAILSTREAM_RETRY_BACKOFF_SECONDS',
    schema: int(0, 43200),
    default: '30',
    description: 'After a retryable failure the message is made visible again after this many seconds, doubled on each receive (capped at 15 minutes).',
    group: 'Queue',
  }),
  allowedBuckets: setting({
    env: 'TRAILSTREAM_ALLOWED_BUCKETS',
    schema: list.optional(),
    description: 'Comma-separated allow-list of buckets, each optionally with a key prefix (`bucket` or `bucket/AWSLogs/123456789012/`). A notification naming anything else is refused and dead-lettered. Defaults to TRAILSTREAM_BUCKET.',
    group: 'Objects',
  }),
  bucket: setting({
    env: 'TRAILSTREAM_BUCKET',
    schema: z.string().min(3).max(63).optional(),
    description: 'The CloudTrail bucket. Used by the demo and as the default allow-list.',
    group: 'Objects',
  }),
  keyPattern: setting({
    env: 'TRAILSTREAM_KEY_PATTERN',
    schema: regex,
    default: '\\.json(\\.gz)?$',
    description: 'Regular expression an object key must match to be processed; others are skipped and counted. CloudTrail digest files are always skipped.',
    group: 'Objects',
  }),
  maxDecompressedBytes: setting({
    env: 'TRAILSTREAM_MAX_OBJECT_BYTES',
    schema: int(1024, Number.MAX_SAFE_INTEGER),
    default: String(4096 * MiB),
    description: 'Maximum decompressed size of one object, in bytes. Larger objects are dead-lettered (decompression bombs).',
    group: 'Objects',
  }),
  maxCompressionRatio: setting({
    env: 'TRAILSTREAM_MAX_COMPRESSION_RATIO',
    schema: int(2, 100000),
    default: '200',
    description: 'Maximum ratio of decompressed to compressed bytes. CloudTrail files compress about 10–30×; far more is a decompression bomb.',
    group: 'Objects',
  }),
  maxRecordBytes: setting({
    env: 'TRAILSTREAM_MAX_RECORD_BYTES',
    schema: int(1024, 64 * MiB),
    default: String(2 * MiB),
    description: 'Maximum size of one CloudTrail record, in bytes. A larger record is never held in memory: it alone goes to the dead-letter index (`record-too-large`, with its first 64 KiB, its offset and the eventID/eventTime/eventName found), and the rest of its file is indexed.',
    group: 'Objects',
  }),
  bulkMaxBytes: setting({
    env: 'TRAILSTREAM_BULK_MAX_BYTES',
    schema: int(1024, 1024 * MiB),
    default: String(5 * MiB),
    description: 'Target size of one _bulk request body.',
    group: 'Bulk',
  }),
  bulkBytesLimit: setting({
    env: 'TRAILSTREAM_BULK_BYTES_LIMIT',
    schema: int(1024, 1024 * MiB),
    default: String(10 * MiB),
    description: 'Hard limit of a _bulk request body (Amazon OpenSearch Service enforces 10 MiB on small instance types). TRAILSTREAM_BULK_MAX_BYTES must not exceed it.',
    group: 'Bulk',
  }),
  bulkMaxDocs: setting({
    env: 'TRAILSTREAM_BULK_MAX_DOCS',
    schema: int(1, 100000),
    default: '5000',
    description: 'Maximum documents in one _bulk request.',
    group: 'Bulk',
  }),
  bulkLingerMs: setting({
    env: 'TRAILSTREAM_BULK_LINGER_MS',
    schema: int(0, 60000),
    default: '200',
    description: 'How long a partly filled bulk request waits for more documents before it is sent.',
    group: 'Bulk',
  }),
  bulkConcurrency: setting({
    env: 'TRAILSTREAM_BULK_CONCURRENCY',
    schema: int(1, 64),
    default: '2',
    description: '_bulk requests in flight at once per worker.',
    group: 'Bulk',
  }),
  bulkMaxRetries: setting({
    env: 'TRAILSTREAM_BULK_MAX_RETRIES',
    schema: int(0, 100),
    default: '8',
    description: 'Retries of a request or of retryable items (429, 5xx) with exponential backoff and jitter; after that the message is left on the queue to be retried later.',
    group: 'Bulk',
  }),
  outageMaxSeconds: setting({
    env: 'TRAILSTREAM_OUTAGE_MAX_SECONDS',
    schema: int(0, 43200),
    default: '600',
    description:
      'How long the bulk indexer holds its documents while OpenSearch is unreachable or cannot write (connection refused or reset, timeouts, 502/503/504, no cluster manager): it retries with capped backoff, keeps its messages invisible through the heartbeat, and resumes where it was when OpenSearch is back, without spending TRAILSTREAM_BULK_MAX_RETRIES. After this many seconds of continuous outage it gives its messages back to the queue (retried later, reading the file again). 0: no holding, outages count against the retries. Must be less than TRAILSTREAM_MAX_VISIBILITY_SECONDS.',
    group: 'Bulk',
  }),
  bulkRetryBaseMs: setting({
    env: 'TRAILSTREAM_BULK_RETRY_BASE_MS',
    schema: int(1, 60000),
    default: '200',
    description: 'First backoff delay of bulk retries; doubles each attempt, with full jitter, capped at 30 s.',
    group: 'Bulk',
  }),
  maxMessagesInFlight: setting({
    env: 'TRAILSTREAM_MAX_MESSAGES_IN_FLIGHT',
    schema: int(1, 1000),
    default: '20',
    description: 'Messages processed at once by one worker; the worker receives only when it has room.',
    group: 'Worker',
  }),
  objectConcurrency: setting({
    env: 'TRAILSTREAM_OBJECT_CONCURRENCY',
    schema: int(1, 256),
    default: '8',
    description: 'S3 objects downloaded and decoded at once by one worker.',
    group: 'Worker',
  }),
  maxBufferedBytes: setting({
    env: 'TRAILSTREAM_MAX_BUFFERED_BYTES',
    schema: int(MiB, 4096 * MiB),
    default: String(24 * MiB),
    description: 'Bytes of documents buffered or in flight to OpenSearch before decoding pauses (backpressure).',
    group: 'Worker',
  }),
  shutdownGraceSeconds: setting({
    env: 'TRAILSTREAM_SHUTDOWN_GRACE_SECONDS',
    schema: int(0, 3600),
    default: '30',
    description: 'On SIGTERM/SIGINT: how long in-flight messages may take to finish before the rest are released to other workers.',
    group: 'Worker',
  }),
  backfillObjectAttempts: setting({
    env: 'TRAILSTREAM_BACKFILL_OBJECT_ATTEMPTS',
    schema: int(1, 100),
    default: '3',
    description: '`backfill`: attempts per object when it fails transiently (S3 or OpenSearch errors that outlived their own retries), with a growing pause between them. An object that still fails is reported, the run continues and exits 1; it is not checkpointed, so a rerun tries it again.',
    group: 'Backfill',
  }),
  backfillCheckpointSeconds: setting({
    env: 'TRAILSTREAM_BACKFILL_CHECKPOINT_SECONDS',
    schema: int(1, 3600),
    default: '5',
    description: '`backfill`: how often the checkpoint file (objects completed) is rewritten while the run goes on; it is also written at the end and on SIGINT/SIGTERM.',
    group: 'Backfill',
  }),
  backfillProgressSeconds: setting({
    env: 'TRAILSTREAM_BACKFILL_PROGRESS_SECONDS',
    schema: int(1, 3600),
    default: '10',
    description: '`backfill`: interval of the progress log lines when stderr is not a terminal (on a terminal a progress line is redrawn instead).',
    group: 'Backfill',
  }),
  geoipDisabled: setting({
    env: 'TRAILSTREAM_GEOIP_DISABLED',
    schema: bool,
    default: 'false',
    description: 'Turn off geo-IP and AS enrichment (source.geo.*, source.as.*). Saves the ~130 MB the default databases take in memory.',
    group: 'Enrichment',
  }),
  geoipCityDb: setting({
    env: 'TRAILSTREAM_GEOIP_CITY_DB',
    schema: list.optional(),
    description: 'Comma-separated paths of MaxMind GeoLite2/GeoIP2 City (or DB-IP) .mmdb files. Unset: the bundled DB-IP Lite city databases (CC BY 4.0, "IP geolocation by DB-IP", https://db-ip.com). Empty: no location lookups.',
    group: 'Enrichment',
  }),
  geoipAsnDb: setting({
    env: 'TRAILSTREAM_GEOIP_ASN_DB',
    schema: list.optional(),
    description: 'Comma-separated paths of MaxMind GeoLite2/GeoIP2 ASN (or ISP) .mmdb files for source.as.*. Unset: no AS fields.',
    group: 'Enrichment',
  }),
  geoipCacheSize: setting({
    env: 'TRAILSTREAM_GEOIP_CACHE_SIZE',
    schema: int(0, 10_000_000),
    default: '50000',
    description: 'Distinct source addresses whose geo-IP result is cached (LRU); CloudTrail addresses repeat heavily.',
    group: 'Enrichment',
  }),
  rulesDir: setting({
    env: 'TRAILSTREAM_RULES_DIR',
    schema: z.string().min(1).optional(),
    description:
      'A directory of your own detection rule files (every *.json in it), or one rule file, loaded beside the shipped rulesets (cis-aws-foundations, apigateway). Same format as rules/*.json; see docs/rules.md. A bad file stops setup and worker at start, naming the file, the rule and the fault.',
    group: 'Detections',
  }),
  rulesDisabled: setting({
    env: 'TRAILSTREAM_RULES_DISABLED',
    schema: list.optional(),
    description:
      'Comma-separated ids of detection rules to switch off (e.g. cis-unauthorized-api-calls). An id no rule has stops startup, so a typo never leaves a rule on that you meant to turn off.',
    group: 'Detections',
  }),
  alertingMonitors: setting({
    env: 'TRAILSTREAM_ALERTING_MONITORS',
    schema: z.enum(['disabled', 'enabled', 'off']),
    default: 'disabled',
    description:
      '`setup`, when the cluster has the OpenSearch Alerting plugin: `disabled` installs one query-level monitor per rule severity, switched off, for you to add your destinations and enable; `enabled` installs them switched on (they run, but notify no one until you add an action); `off` installs none. See docs/rules.md.',
    group: 'Detections',
  }),
  logLevel: setting({
    env: 'TRAILSTREAM_LOG_LEVEL',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    default: 'info',
    description: 'Log level of the JSON logs written to stderr.',
    group: 'Logging',
  }),
  metricsPort: setting({
    env: 'TRAILSTREAM_METRICS_PORT',
    schema: int(0, 65535),
    default: '9464',
    description: 'Port of the worker\'s HTTP server for Prometheus metrics (/metrics), liveness (/healthz) and readiness (/readyz); see docs/metrics.md. 0 turns the server off.',
    group: 'Metrics',
  }),
  metricsHost: setting({
    env: 'TRAILSTREAM_METRICS_HOST',
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'Address the metrics server listens on. The default answers only on the machine itself; the container image sets 0.0.0.0 so Prometheus and the orchestrator\'s health checks can reach it. The server has no authentication: expose it only to your monitoring network.',
    group: 'Metrics',
  }),
} as const;

export type Settings = typeof settings;
export type SettingName = keyof Settings;
