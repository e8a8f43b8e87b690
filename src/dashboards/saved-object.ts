/**
 * OpenSearch Dashboards 2.x saved objects as its export writes them and its
 * import (`POST /api/saved_objects/_import`) reads them: one JSON object per
 * line with `id`, `type`, `attributes`, `references` and `migrationVersion`.
 * Nested JSON (`visState`, `panelsJSON`, `searchSourceJSON`…) is stored as
 * strings, and every link to another object goes through `references`, named
 * by the `*RefName` that points at it.
 */
export type SavedObjectType = 'index-pattern' | 'search' | 'visualization' | 'dashboard';

export interface SavedObjectReference {
  readonly id: string;
  readonly name: string;
  readonly type: SavedObjectType;
}

export interface SavedObject {
  readonly id: string;
  readonly type: SavedObjectType;
  readonly attributes: Record<string, unknown>;
  readonly references: readonly SavedObjectReference[];
  /**
   * The last migration each type has in OpenSearch Dashboards 2.x, so the import
   * runs none (they exist for Kibana 6/7 formats). A version newer than the
   * server knows makes the import fail, so these must not go up.
   */
  readonly migrationVersion: Readonly<Record<string, string>>;
}

export const MIGRATION_VERSIONS: Readonly<Record<SavedObjectType, string>> = {
  'index-pattern': '7.6.0',
  search: '7.9.3',
  visualization: '7.10.0',
  dashboard: '7.9.3',
};

/** `kibanaSavedObjectMeta.searchSourceJSON.index`: the reference name of a search source's index pattern. */
export const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/** One line per object, in the order given, ending with a newline. */
export function toNdjson(objects: readonly SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

export function parseNdjson(text: string): SavedObject[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SavedObject);
}
