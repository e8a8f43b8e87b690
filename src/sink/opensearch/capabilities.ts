import { UserFacingError } from '../../errors.js';

/** OpenSearch gained the flat_object field type in 2.7. */
export const FLAT_OBJECT_SINCE: readonly [number, number] = [2, 7];

/** The origins of the OpenSearch URLs, for messages: `http://a:9200,http://b:9200`. */
export function origins(urls: readonly string[]): string {
  return urls.map((u) => new URL(u).origin).join(',');
}

/** Refuses clusters whose mappings cannot hold the templates, before anything is written. */
export function checkFlatObjectSupport(distribution: string | undefined, version: string, urls: readonly string[]): void {
  const shown = origins(urls);
  if (distribution !== undefined && distribution !== 'opensearch') {
    throw new UserFacingError(
      `${shown} runs ${distribution} ${version}, not OpenSearch: trailstream's index templates need OpenSearch ${FLAT_OBJECT_SINCE.join('.')} or later (the flat_object field type).`,
    );
  }
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return; // unknown version: let the template installation decide
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < FLAT_OBJECT_SINCE[0] || (major === FLAT_OBJECT_SINCE[0] && minor < FLAT_OBJECT_SINCE[1])) {
    throw new UserFacingError(
      `OpenSearch ${version} at ${shown} lacks the flat_object field type that trailstream's index templates use for requestParameters, responseElements and other free-form CloudTrail fields. Upgrade to OpenSearch ${FLAT_OBJECT_SINCE.join('.')} or later.`,
    );
  }
}
