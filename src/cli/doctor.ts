import { readFileSync } from 'node:fs';
import type { Environment } from '../config/config.js';
import { forConfiguration } from '../dashboards/import.js';
import { parseNdjson } from '../dashboards/saved-object.js';
import { bucketChecks, credentialsCheck, dlqCheck, queueCheck } from '../ops/doctor/aws-checks.js';
import { runChecks, type Check, type CheckResult } from '../ops/doctor/check.js';
import { formatJson, formatText } from '../ops/doctor/format.js';
import { dashboardsCheck, geoCheck, rulesCheck } from '../ops/doctor/local-checks.js';
import { elasticsearchChecks } from '../ops/doctor/elasticsearch-checks.js';
import { kibanaCheck } from '../ops/doctor/kibana-check.js';
import { openSearchChecks } from '../ops/doctor/opensearch-checks.js';
import { createOpenSearchClient } from '../sink/opensearch/client.js';
import type { tryCreateContext } from './context.js';
import { KIBANA_SAVED_OBJECTS_FILE } from './setup.js';

export interface DoctorOptions {
  readonly json: boolean;
  readonly timeoutSeconds: number;
}

/**
 * `doctor`: loads the configuration (a bad one is a FAIL, not a crash), runs
 * every check and prints the results. Exit 0 when nothing failed, 1 otherwise.
 */
export async function runDoctor(built: ReturnType<typeof tryCreateContext>, options: DoctorOptions): Promise<number> {
  const { env } = built;
  const secrets = secretValues(env);
  let results: CheckResult[];
  if ('error' in built) {
    const { error } = built;
    results = await runChecks(
      [
        {
          name: 'config',
          async run() {
            return { status: 'FAIL', detail: error.message, fix: 'correct the variables named above (docs/configuration.md lists every one with its accepted values), then run trailstream doctor again' };
          },
        },
      ],
      { timeoutMs: 1000, secrets },
    );
    process.stdout.write(options.json ? formatJson(results) : formatText(results));
    return 1;
  }
  const ctx = built.context;
  const { config } = ctx;
  const timeoutMs = options.timeoutSeconds * 1000;
  const checks: Check[] = [
    {
      name: 'config',
      async run() {
        return { status: 'OK', detail: `loaded${env.TRAILSTREAM_CONFIG_FILE ? ` (environment and ${env.TRAILSTREAM_CONFIG_FILE})` : ' from the environment'}; region ${config.awsRegion}${config.awsEndpointUrl ? `, AWS endpoint ${config.awsEndpointUrl}` : ''}` };
      },
    },
    credentialsCheck(ctx.sqs()),
    queueCheck(ctx.sqs(), config),
    dlqCheck(ctx.sqs(), config),
    ...bucketChecks(ctx.s3(), config),
    ...(config.target === 'elasticsearch'
      ? elasticsearchChecks(ctx.search(), config, timeoutMs)
      : openSearchChecks(ctx.opensearch(), config, timeoutMs, (url) => createOpenSearchClient({ ...config, opensearchUrls: [url] }))),
    config.target === 'elasticsearch'
      ? kibanaCheck(config, () => forConfiguration(parseNdjson(readFileSync(KIBANA_SAVED_OBJECTS_FILE, 'utf8')), config))
      : dashboardsCheck(config),
    geoCheck(config),
    rulesCheck(config),
  ];
  results = await runChecks(checks, { timeoutMs, secrets });
  process.stdout.write(options.json ? formatJson(results) : formatText(results));
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}

/** Values that must not appear in the output even if some error message echoed them. */
function secretValues(env: Environment): string[] {
  const out = [env.OPENSEARCH_PASSWORD, env.ELASTICSEARCH_PASSWORD, env.ELASTICSEARCH_API_KEY, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN];
  for (const url of [...(env.OPENSEARCH_URL ?? '').split(','), env.OPENSEARCH_DASHBOARDS_URL, env.ELASTICSEARCH_URL, env.KIBANA_URL]) {
    try {
      if (url) out.push(decodeURIComponent(new URL(url).password), new URL(url).password);
    } catch {
      // an invalid URL is reported by the config check
    }
  }
  return out.filter((v): v is string => typeof v === 'string' && v.length > 0);
}
