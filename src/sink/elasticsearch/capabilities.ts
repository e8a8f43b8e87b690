import { UserFacingError } from '../../errors.js';
import type { SearchClient, SearchRequestOptions } from '../search-client.js';

/** The first major whose REST API the 8.x client speaks (ES 9 through its compatibility with 8). */
export const ELASTICSEARCH_SINCE = 8;

/**
 * The version of the node trailstream talks to. Asked with `GET /_nodes/_local`
 * rather than `GET /`: the minimal distribution (the integ-test zip the local
 * stack runs) has no `GET /`, and the answer is small with `filter_path`.
 */
export async function elasticsearchVersion(client: SearchClient, options: SearchRequestOptions = {}): Promise<string> {
  const res = await client.request({ method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } }, options);
  const nodes = (res.body as { nodes?: Record<string, { version?: string }> }).nodes ?? {};
  return Object.values(nodes)[0]?.version ?? 'unknown';
}

/** Refuses versions the client and the templates cannot serve (7.x and older). */
export function checkElasticsearchVersion(version: string, url: string): void {
  const m = /^(\d+)\./.exec(version);
  if (m && Number(m[1]) < ELASTICSEARCH_SINCE) {
    throw new UserFacingError(`Elasticsearch ${version} at ${new URL(url).origin} is too old: trailstream supports Elasticsearch ${ELASTICSEARCH_SINCE} and 9. Upgrade the cluster.`);
  }
}
