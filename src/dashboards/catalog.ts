import { INDEX_REF, MIGRATION_VERSIONS, toNdjson, type SavedObject, type SavedObjectReference } from './saved-object.js';

/**
 * trailstream's OpenSearch Dashboards content: index patterns, saved searches,
 * visualizations and three dashboards (API Gateway activity, CloudTrail audit
 * overview, findings of the detection rules). `dashboards/trailstream.ndjson` is generated from this file
 * (`npm run docs:dashboards`) and a unit test keeps the two equal.
 *
 * Queries are Lucene (`query_string`), so what a panel asks is exactly what
 * OpenSearch runs. Visualization types are the ones OpenSearch Dashboards 2.x
 * ships without extra plugins (vislib charts, table, pie, metric, markdown,
 * tile_map). Field names are the mapped ones of mappings/ (docs/fields.md).
 */

/** Default index names; `setup` rewrites the index-pattern titles for other prefixes. */
export const DEFAULT_TITLES = {
  events: 'cloudtrail-*',
  insights: 'cloudtrail-insights-*',
  deadLetter: 'trailstream-dead-letter',
} as const;

export const IDS = {
  events: 'trailstream-index-pattern-events',
  insights: 'trailstream-index-pattern-insights',
  deadLetter: 'trailstream-index-pattern-dead-letter',
  apiGatewayDashboard: 'trailstream-dashboard-apigateway',
  auditDashboard: 'trailstream-dashboard-audit',
  findingsDashboard: 'trailstream-dashboard-findings',
} as const;

/** The fields the panels use, in one place. */
export const FIELDS = {
  time: '@timestamp',
  action: 'eventName',
  service: 'eventSource',
  errorCode: 'errorCode',
  account: 'cloud.account.id',
  region: 'cloud.region',
  outcome: 'event.outcome',
  identityType: 'trailstream.identity.type',
  principal: 'trailstream.identity.principal',
  tool: 'trailstream.user_agent.tool',
  sourceIp: 'source.ip',
  geo: 'source.geo.location',
  country: 'source.geo.country_iso_code',
  countryName: 'source.geo.country_name',
  regionName: 'source.geo.region_name',
  asOrg: 'source.as.organization.name',
  apiId: 'trailstream.apigateway.api_id',
  apiKind: 'trailstream.apigateway.api_kind',
  stage: 'trailstream.apigateway.stage',
  deploymentId: 'trailstream.apigateway.deployment_id',
  ruleId: 'rule.id',
  ruleName: 'rule.name',
  ruleset: 'rule.ruleset',
  ruleReference: 'rule.reference',
  ruleCategory: 'rule.category',
  severity: 'event.severity',
  riskScore: 'event.risk_score',
} as const;

/** Rulesets that ship (rules/), each with a saved search of its findings. */
export const RULESETS = [
  { id: 'cis-aws-foundations', title: 'CIS AWS Foundations' },
  { id: 'apigateway', title: 'API Gateway' },
] as const;

/** A document is a finding when at least one rule matched it (the rules engine sets `rule.*`). */
export const FINDING = `${FIELDS.ruleId}:*`;

/** Private, shared and documentation ranges as the default "known networks"; users edit the filter. */
export const KNOWN_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7', '203.0.113.0/24'];

const APIGW = 'eventSource:"apigateway.amazonaws.com"';
const MUTATING = 'readOnly:false';
const DENIED = 'errorCode:(*AccessDenied* OR *Unauthorized* OR *Forbidden*)';

// ------------------------------------------------------------ builders ---

interface Query {
  readonly query: string;
  readonly language: 'lucene';
}

const lucene = (query: string): Query => ({ query, language: 'lucene' });

/** `what` documents the pattern here; index patterns have no description attribute. */
function indexPattern(id: string, title: string, what: string): SavedObject {
  void what;
  return {
    id,
    type: 'index-pattern',
    // An empty field list makes Dashboards read the fields from the mapping on first use.
    attributes: { title, timeFieldName: FIELDS.time, fields: '[]' },
    references: [],
    migrationVersion: { 'index-pattern': MIGRATION_VERSIONS['index-pattern'] },
  };
}

interface CustomFilter {
  readonly alias: string;
  readonly negate: boolean;
  readonly query: Record<string, unknown>;
}

function search(
  id: string,
  title: string,
  description: string,
  query: string,
  columns: readonly string[],
  index: string = IDS.events,
  filters: readonly CustomFilter[] = [],
): SavedObject {
  const references: SavedObjectReference[] = [{ id: index, name: INDEX_REF, type: 'index-pattern' }];
  const filter = filters.map((f, i) => {
    const refName = `kibanaSavedObjectMeta.searchSourceJSON.filter[${i}].meta.index`;
    references.push({ id: index, name: refName, type: 'index-pattern' });
    return {
      meta: {
        alias: f.alias,
        negate: f.negate,
        disabled: false,
        type: 'custom',
        key: 'query',
        value: JSON.stringify(f.query),
        indexRefName: refName,
      },
      query: f.query,
      $state: { store: 'appState' },
    };
  });
  return {
    id,
    type: 'search',
    attributes: {
      title,
      description,
      hits: 0,
      columns,
      sort: [[FIELDS.time, 'desc']],
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: lucene(query), filter, highlightAll: true, version: true, indexRefName: INDEX_REF }),
      },
    },
    references,
    migrationVersion: { search: MIGRATION_VERSIONS.search },
  };
}

interface Agg {
  id: string;
  enabled: true;
  type: string;
  schema: string;
  params: Record<string, unknown>;
}

const count = (): Agg => ({ id: '1', enabled: true, type: 'count', schema: 'metric', params: {} });

/** `missing`: a "(none)" bucket for documents without the field; Dashboards offers it for string (keyword) fields only. */
function terms(id: string, schema: string, field: string, size: number, label?: string, missing = false): Agg {
  return {
    id,
    enabled: true,
    type: 'terms',
    schema,
    params: {
      field,
      orderBy: '1',
      order: 'desc',
      size,
      otherBucket: false,
      otherBucketLabel: 'Other',
      missingBucket: missing,
      missingBucketLabel: '(none)',
      ...(label ? { customLabel: label } : {}),
    },
  };
}

function dateHistogram(id: string): Agg {
  return {
    id,
    enabled: true,
    type: 'date_histogram',
    schema: 'segment',
    params: {
      field: FIELDS.time,
      useNormalizedOpenSearchInterval: true,
      scaleMetricValues: false,
      interval: 'auto',
      drop_partials: false,
      min_doc_count: 1,
      extended_bounds: {},
    },
  };
}

interface VisSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly type: string;
  readonly aggs: readonly Agg[];
  readonly params: Record<string, unknown>;
  /** Extra query on top of the saved search (or the index pattern). */
  readonly query?: string;
  /** Saved search the visualization is built on; else the events index pattern. */
  readonly search?: string;
  readonly uiState?: Record<string, unknown>;
}

function visualization(v: VisSpec): SavedObject {
  const searchSource: Record<string, unknown> = { query: lucene(v.query ?? ''), filter: [] };
  const references: SavedObjectReference[] = [];
  const attributes: Record<string, unknown> = {
    title: v.title,
    description: v.description,
    visState: JSON.stringify({ title: v.title, type: v.type, aggs: v.aggs, params: v.params }),
    uiStateJSON: JSON.stringify(v.uiState ?? {}),
    version: 1,
  };
  if (v.search) {
    attributes.savedSearchRefName = 'search_0';
    references.push({ id: v.search, name: 'search_0', type: 'search' });
  } else if (v.aggs.length > 0) {
    searchSource.indexRefName = INDEX_REF;
    references.push({ id: IDS.events, name: INDEX_REF, type: 'index-pattern' });
  }
  attributes.kibanaSavedObjectMeta = { searchSourceJSON: JSON.stringify(searchSource) };
  return { id: v.id, type: 'visualization', attributes, references, migrationVersion: { visualization: MIGRATION_VERSIONS.visualization } };
}

/** `legendBottom`: for splits with long names (services, rules), which a right-hand legend cuts off. */
function pointSeries(chart: 'line' | 'area' | 'histogram', valueLabel: string, horizontal = false, legendBottom = false): Record<string, unknown> {
  return {
    type: horizontal ? 'histogram' : chart,
    grid: { categoryLines: false },
    categoryAxes: [
      {
        id: 'CategoryAxis-1',
        type: 'category',
        position: horizontal ? 'left' : 'bottom',
        show: true,
        style: {},
        scale: { type: 'linear' },
        labels: horizontal ? { show: true, rotate: 0, filter: false, truncate: 200 } : { show: true, filter: true, truncate: 100 },
        title: {},
      },
    ],
    valueAxes: [
      {
        id: 'ValueAxis-1',
        name: horizontal ? 'BottomAxis-1' : 'LeftAxis-1',
        type: 'value',
        position: horizontal ? 'bottom' : 'left',
        show: true,
        style: {},
        scale: { type: 'linear', mode: 'normal' },
        labels: { show: true, rotate: horizontal ? 75 : 0, filter: !horizontal, truncate: 100 },
        title: { text: valueLabel },
      },
    ],
    seriesParams: [
      {
        show: true,
        type: chart,
        mode: chart === 'line' ? 'normal' : 'stacked',
        data: { label: valueLabel, id: '1' },
        valueAxis: 'ValueAxis-1',
        drawLinesBetweenPoints: true,
        lineWidth: 2,
        interpolate: 'linear',
        showCircles: true,
      },
    ],
    addTooltip: true,
    addLegend: true,
    legendPosition: legendBottom ? 'bottom' : 'right',
    times: [],
    addTimeMarker: false,
    labels: { show: false },
    thresholdLine: { show: false, value: 10, width: 1, style: 'full', color: '#E7664C' },
  };
}

const tableParams = (perPage = 10): Record<string, unknown> => ({
  perPage,
  showPartialRows: false,
  showMetricsAtAllLevels: false,
  showTotal: false,
  totalFunc: 'sum',
  percentageCol: '',
  sort: { columnIndex: null, direction: null },
});

const pieParams = (): Record<string, unknown> => ({
  type: 'pie',
  addTooltip: true,
  addLegend: true,
  legendPosition: 'right',
  isDonut: true,
  labels: { show: false, values: true, last_level: true, truncate: 100 },
});

const metricParams = (): Record<string, unknown> => ({
  addTooltip: true,
  addLegend: false,
  type: 'metric',
  metric: {
    percentageMode: false,
    useRanges: false,
    colorSchema: 'Green to Red',
    metricColorMode: 'None',
    colorsRange: [{ from: 0, to: 10000 }],
    labels: { show: true },
    invertColors: false,
    style: { bgFill: '#000', bgColor: false, labelColor: false, subText: '', fontSize: 48 },
  },
});

function geoMap(id: string, title: string, description: string, search?: string): SavedObject {
  return visualization({
    id,
    title,
    description,
    type: 'tile_map',
    ...(search ? { search } : {}),
    aggs: [
      count(),
      {
        id: '2',
        enabled: true,
        type: 'geohash_grid',
        schema: 'segment',
        params: { field: FIELDS.geo, autoPrecision: true, precision: 2, useGeocentroid: true, isFilteredByCollar: true },
      },
    ],
    params: {
      colorSchema: 'Yellow to Red',
      mapType: 'Scaled Circle Markers',
      isDesaturated: true,
      addTooltip: true,
      heatClusterSize: 1.5,
      legendPosition: 'bottomright',
      mapZoom: 2,
      mapCenter: [20, 0],
      wms: { enabled: false, options: { format: 'image/png', transparent: true } },
    },
  });
}

/**
 * "Where from" without map tiles: countries and their regions as a table, from
 * the geo-IP fields the bundled database fills (no ASN database ships, so no
 * network panel is in the default set).
 */
function whereFrom(id: string, title: string, search?: string): SavedObject {
  return visualization({
    id,
    title,
    description: 'Countries and regions the calls came from (geo-IP of public source addresses); needs no map tiles.',
    type: 'table',
    ...(search ? { search } : {}),
    query: `_exists_:${FIELDS.countryName}`,
    aggs: [count(), terms('2', 'bucket', FIELDS.countryName, 15, 'Country'), terms('3', 'bucket', FIELDS.regionName, 5, 'Region', true)],
    params: tableParams(),
  });
}

function markdown(id: string, title: string, text: string): SavedObject {
  return visualization({
    id,
    title,
    description: '',
    type: 'markdown',
    aggs: [],
    params: { fontSize: 12, openLinksInNewTab: false, markdown: text },
  });
}

interface Panel {
  readonly id: string;
  readonly type: 'visualization' | 'search';
  readonly w: number;
  readonly h: number;
}

/** Lays panels out left to right on the 48-column grid, wrapping rows. */
function dashboard(id: string, title: string, description: string, panels: readonly Panel[]): SavedObject {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const references: SavedObjectReference[] = [];
  const panelsJSON = panels.map((p, i) => {
    if (x + p.w > 48) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const panelIndex = String(i + 1);
    const gridData = { x, y, w: p.w, h: p.h, i: panelIndex };
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
    references.push({ id: p.id, name: `panel_${i}`, type: p.type });
    return { embeddableConfig: {}, gridData, panelIndex, version: '2.19.0', panelRefName: `panel_${i}` };
  });
  return {
    id,
    type: 'dashboard',
    attributes: {
      title,
      description,
      hits: 0,
      panelsJSON: JSON.stringify(panelsJSON),
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      version: 1,
      timeRestore: true,
      timeFrom: 'now-7d',
      timeTo: 'now',
      refreshInterval: { pause: true, value: 0 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: lucene(''), filter: [] }) },
    },
    references,
    migrationVersion: { dashboard: MIGRATION_VERSIONS.dashboard },
  };
}

// ------------------------------------------------------------- catalog ---

const S = {
  root: 'trailstream-search-root-activity',
  denied: 'trailstream-search-denied-calls',
  apigwDeletions: 'trailstream-search-apigateway-deletions',
  outside: 'trailstream-search-outside-known-networks',
  apigw: 'trailstream-search-apigateway-activity',
  deployments: 'trailstream-search-apigateway-deployments',
  consoleSignIns: 'trailstream-search-console-sign-ins',
  deadLetters: 'trailstream-search-dead-letters',
  findings: 'trailstream-search-findings',
} as const;

/** The saved search of one ruleset's findings. */
export const rulesetSearchId = (ruleset: string): string => `${S.findings}-${ruleset}`;

// recipientAccountId, not its alias cloud.account.id: a saved search's columns come from _source, where aliases are not.
const FINDING_COLUMNS = [FIELDS.ruleName, FIELDS.severity, FIELDS.ruleset, FIELDS.principal, 'eventName', FIELDS.sourceIp, 'recipientAccountId'];

export function savedObjects(): SavedObject[] {
  const out: SavedObject[] = [];
  out.push(
    indexPattern(IDS.events, DEFAULT_TITLES.events, 'CloudTrail events indexed by trailstream (one index per day of eventTime).'),
    indexPattern(IDS.insights, DEFAULT_TITLES.insights, 'CloudTrail Insights events indexed by trailstream.'),
    indexPattern(IDS.deadLetter, DEFAULT_TITLES.deadLetter, 'Records OpenSearch refused for good, with the reason and where they came from.'),
  );

  out.push(
    search(
      S.root,
      'Root activity',
      'Calls made with the root user of an account (not on its behalf by an AWS service). Root should almost never be used.',
      'userIdentity.type:"Root" AND NOT _exists_:userIdentity.invokedBy AND NOT eventType:"AwsServiceEvent"',
      ['eventName', 'eventSource', 'recipientAccountId', FIELDS.sourceIp, 'userAgent', 'errorCode'],
    ),
    search(S.denied, 'Denied calls', 'Calls refused for lack of permission (AccessDenied, UnauthorizedOperation, Forbidden and their variants).', DENIED, [
      'eventName',
      'eventSource',
      FIELDS.principal,
      'errorCode',
      'errorMessage',
      FIELDS.sourceIp,
    ]),
    search(
      S.apigwDeletions,
      'API Gateway deletions',
      'Every API Gateway Delete* call: APIs, stages, deployments, routes, integrations, authorizers, keys, domains.',
      `${APIGW} AND eventName:Delete*`,
      ['eventName', FIELDS.principal, FIELDS.apiId, FIELDS.stage, 'errorCode', FIELDS.sourceIp],
    ),
    search(
      S.outside,
      'Activity from outside known networks',
      'Calls whose source address is not in the "known networks" filter. Edit that filter (a Query DSL terms filter on source.ip with CIDR ranges) to list your offices, VPNs and NAT gateways, then save the search under the same name.',
      `_exists_:${FIELDS.sourceIp}`,
      ['eventName', 'eventSource', FIELDS.principal, FIELDS.sourceIp, FIELDS.country, FIELDS.asOrg],
      IDS.events,
      [{ alias: 'Outside known networks (edit: your CIDR ranges)', negate: true, query: { terms: { [FIELDS.sourceIp]: KNOWN_NETWORKS } } }],
    ),
    search(S.apigw, 'API Gateway activity', 'Every call to the API Gateway control plane (REST, HTTP and WebSocket APIs).', APIGW, [
      'eventName',
      FIELDS.principal,
      FIELDS.apiId,
      FIELDS.stage,
      'errorCode',
      FIELDS.sourceIp,
    ]),
    search(
      S.deployments,
      'API Gateway deployments and stage changes',
      'Deployments and stage creations, updates and deletions: what went live, where, by whom.',
      `${APIGW} AND eventName:(CreateDeployment OR UpdateDeployment OR DeleteDeployment OR CreateStage OR UpdateStage OR DeleteStage)`,
      ['eventName', FIELDS.principal, FIELDS.apiId, FIELDS.stage, FIELDS.deploymentId, 'errorCode'],
    ),
    search(S.consoleSignIns, 'Console sign-ins', 'AWS Management Console sign-ins, successful and failed.', 'eventName:"ConsoleLogin"', [
      FIELDS.principal,
      FIELDS.outcome,
      'errorMessage',
      FIELDS.sourceIp,
      FIELDS.country,
      'userAgent',
    ]),
    search(
      S.deadLetters,
      'Dead-lettered records',
      'Records OpenSearch refused for good, newest first, with the reason and their S3 object.',
      '',
      ['error.type', 'error.reason', 'origin.bucket', 'origin.key', 'origin.ordinal', 'target.index'],
      IDS.deadLetter,
    ),
    search(
      S.findings,
      'Findings',
      'Events at least one detection rule matched (rule.id is set at ingest), newest first, with the rule, its severity and who did it from where.',
      FINDING,
      FINDING_COLUMNS,
    ),
    ...RULESETS.map((r) =>
      search(
        rulesetSearchId(r.id),
        `Findings: ${r.title}`,
        `Events a rule of the ${r.id} ruleset matched, newest first; rule.reference names the control or page behind each rule.`,
        `${FINDING} AND ${FIELDS.ruleset}:"${r.id}"`,
        [FIELDS.ruleName, FIELDS.severity, FIELDS.ruleReference, FIELDS.principal, 'eventName', FIELDS.sourceIp],
      ),
    ),
  );

  const V = (name: string): string => `trailstream-vis-${name}`;
  // API Gateway activity
  out.push(
    markdown(
      V('apigw-about'),
      'About this dashboard',
      '**API Gateway activity** — control-plane calls to Amazon API Gateway recorded by CloudTrail: who created, changed, deployed or deleted which API and stage, from where, with which tool. Invocations of your APIs are not CloudTrail events (see access logs). Panels read the `cloudtrail-*` indices; the time picker applies to all of them.',
    ),
    visualization({
      id: V('apigw-calls-over-time'),
      title: 'API Gateway calls over time by action',
      description: 'How many API Gateway calls happened when, split by action (eventName).',
      type: 'histogram',
      search: S.apigw,
      aggs: [count(), dateHistogram('2'), terms('3', 'group', FIELDS.action, 10, 'Action')],
      params: pointSeries('histogram', 'Calls', false, true),
    }),
    visualization({
      id: V('apigw-changes-by-api-stage'),
      title: 'API Gateway changes by API and stage',
      description: 'Mutating calls (readOnly false) per API and stage; calls that change the API itself have no stage.',
      type: 'table',
      search: S.apigw,
      query: MUTATING,
      aggs: [count(), terms('2', 'bucket', FIELDS.apiId, 20, 'API', true), terms('3', 'bucket', FIELDS.stage, 10, 'Stage', true)],
      params: tableParams(),
    }),
    visualization({
      id: V('apigw-deployments-timeline'),
      title: 'API Gateway deployments and stage updates over time',
      description: 'When deployments and stage changes happened, per action.',
      type: 'histogram',
      search: S.deployments,
      aggs: [count(), dateHistogram('2'), terms('3', 'group', FIELDS.action, 6, 'Action')],
      params: pointSeries('histogram', 'Changes'),
    }),
    visualization({
      id: V('apigw-who-changed-what'),
      title: 'API Gateway: who changed what',
      description: 'Principal × action × API for every mutating API Gateway call.',
      type: 'table',
      search: S.apigw,
      query: MUTATING,
      aggs: [
        count(),
        terms('2', 'bucket', FIELDS.principal, 20, 'Principal', true),
        terms('3', 'bucket', FIELDS.action, 20, 'Action'),
        terms('4', 'bucket', FIELDS.apiId, 20, 'API', true),
      ],
      params: tableParams(20),
    }),
    visualization({
      id: V('apigw-failed-denied'),
      title: 'API Gateway failed and denied calls',
      description: 'Calls that failed, by error code and action; AccessDenied and friends are permission problems or probing.',
      type: 'table',
      search: S.apigw,
      query: '_exists_:errorCode',
      aggs: [count(), terms('2', 'bucket', FIELDS.errorCode, 15, 'Error code'), terms('3', 'bucket', FIELDS.action, 10, 'Action')],
      params: tableParams(),
    }),
    visualization({
      id: V('apigw-callers-by-identity-type'),
      title: 'API Gateway callers by identity type',
      description: 'Root, IAM users, assumed roles, federated and Identity Center users, AWS services.',
      type: 'pie',
      search: S.apigw,
      aggs: [count(), terms('2', 'segment', FIELDS.identityType, 10, 'Identity type', true)],
      params: pieParams(),
    }),
    visualization({
      id: V('apigw-console-vs-automation'),
      title: 'API Gateway: console vs automation',
      description: 'The tool behind each call, from its user agent: console, AWS CLI, SDKs, Terraform, CloudFormation, CDK, AWS services.',
      type: 'pie',
      search: S.apigw,
      aggs: [count(), terms('2', 'segment', FIELDS.tool, 12, 'Tool', true)],
      params: pieParams(),
    }),
    geoMap(V('apigw-geo'), 'API Gateway callers on a map', 'Where API Gateway calls came from (geo-IP of the source address).', S.apigw),
    visualization({
      id: V('apigw-top-addresses'),
      title: 'API Gateway: top source addresses',
      description: 'The addresses that made the most API Gateway calls, with their country.',
      type: 'table',
      search: S.apigw,
      aggs: [count(), terms('2', 'bucket', FIELDS.sourceIp, 15, 'Address'), terms('3', 'bucket', FIELDS.country, 1, 'Country', true)],
      params: tableParams(),
    }),
    whereFrom(V('apigw-where-from'), 'API Gateway: where calls came from', S.apigw),
    visualization({
      id: V('apigw-most-active-apis'),
      title: 'Most active APIs',
      description: 'The APIs with the most control-plane calls, by kind (REST, HTTP, WebSocket).',
      type: 'horizontal_bar',
      search: S.apigw,
      aggs: [count(), terms('2', 'segment', FIELDS.apiId, 15, 'API'), terms('3', 'group', FIELDS.apiKind, 3, 'Kind')],
      params: pointSeries('histogram', 'Calls', true),
    }),
  );

  // CloudTrail audit overview
  out.push(
    markdown(
      V('audit-about'),
      'About this dashboard',
      '**CloudTrail audit overview** — what happened in your AWS accounts: activity per service, errors, root use, console sign-ins, denied calls, accounts and regions, and where calls came from. Saved searches *Root activity*, *Denied calls*, *API Gateway deletions* and *Activity from outside known networks* list the events behind the panels.',
    ),
    visualization({
      id: V('audit-events-over-time'),
      title: 'Events over time by service',
      description: 'CloudTrail events per time interval, split by service (eventSource).',
      type: 'area',
      aggs: [count(), dateHistogram('2'), terms('3', 'group', FIELDS.service, 10, 'Service')],
      params: pointSeries('area', 'Events', false, true),
    }),
    visualization({
      id: V('audit-error-codes'),
      title: 'Error codes',
      description: 'The most frequent error codes and the services that returned them.',
      type: 'table',
      query: '_exists_:errorCode',
      aggs: [count(), terms('2', 'bucket', FIELDS.errorCode, 20, 'Error code'), terms('3', 'bucket', FIELDS.service, 3, 'Service')],
      params: tableParams(),
    }),
    visualization({
      id: V('audit-root-activity-count'),
      title: 'Root activity',
      description: 'Calls made as the root user in the selected time range; anything above zero deserves a look.',
      type: 'metric',
      search: S.root,
      aggs: [count()],
      params: metricParams(),
    }),
    visualization({
      id: V('audit-root-activity-actions'),
      title: 'Root activity by account and action',
      description: 'Which accounts used root, for what.',
      type: 'table',
      search: S.root,
      aggs: [count(), terms('2', 'bucket', FIELDS.account, 10, 'Account'), terms('3', 'bucket', FIELDS.action, 10, 'Action')],
      params: tableParams(),
    }),
    visualization({
      id: V('audit-console-sign-ins'),
      title: 'Console sign-ins and failures',
      description: 'Console sign-ins over time, successful and failed.',
      type: 'histogram',
      search: S.consoleSignIns,
      aggs: [count(), dateHistogram('2'), terms('3', 'group', FIELDS.outcome, 2, 'Outcome')],
      params: pointSeries('histogram', 'Sign-ins'),
    }),
    visualization({
      id: V('audit-sign-in-failures-by-principal'),
      title: 'Failed console sign-ins by principal and address',
      description: 'Who failed to sign in, from where; many failures for one principal or from one address suggest guessing.',
      type: 'table',
      search: S.consoleSignIns,
      query: `${FIELDS.outcome}:failure`,
      aggs: [count(), terms('2', 'bucket', FIELDS.principal, 15, 'Principal', true), terms('3', 'bucket', FIELDS.sourceIp, 5, 'Address')],
      params: tableParams(),
    }),
    visualization({
      id: V('audit-denied-by-principal'),
      title: 'Access denied by principal',
      description: 'Who was refused, how often, for which actions.',
      type: 'table',
      search: S.denied,
      aggs: [count(), terms('2', 'bucket', FIELDS.principal, 20, 'Principal', true), terms('3', 'bucket', FIELDS.action, 5, 'Action')],
      params: tableParams(),
    }),
    visualization({
      id: V('audit-accounts-regions'),
      title: 'Activity by account and region',
      description: 'Events per account and region; a region you do not use showing up is worth a look.',
      type: 'table',
      aggs: [count(), terms('2', 'bucket', FIELDS.account, 20, 'Account'), terms('3', 'bucket', FIELDS.region, 20, 'Region')],
      params: tableParams(20),
    }),
    visualization({
      id: V('audit-identity-types'),
      title: 'Events by identity type',
      description: 'Root, IAM users, roles, federated and Identity Center users, AWS services.',
      type: 'pie',
      aggs: [count(), terms('2', 'segment', FIELDS.identityType, 12, 'Identity type', true)],
      params: pieParams(),
    }),
    geoMap(V('audit-geo'), 'Where calls came from', 'Geo-IP location of the source address of every call with a public address.'),
    whereFrom(V('audit-where-from'), 'Where calls came from: countries and regions'),
  );

  // Findings
  out.push(
    markdown(
      V('findings-about'),
      'About this dashboard',
      `**Findings** — events a detection rule matched when trailstream indexed them (CIS AWS Foundations monitoring controls, risky API Gateway changes). Every panel reads documents with \`${FINDING}\`; \`rule.*\` says which rules matched, \`event.severity\` how bad it is. The saved searches *Findings: CIS AWS Foundations* and *Findings: API Gateway* list one ruleset each.`,
    ),
    visualization({
      id: V('findings-count'),
      title: 'Findings',
      description: 'Events at least one rule matched in the selected time range.',
      type: 'metric',
      search: S.findings,
      aggs: [count()],
      params: metricParams(),
    }),
    visualization({
      id: V('findings-over-time-by-severity'),
      title: 'Findings over time by severity',
      description: 'Findings per time interval, split by event.severity.',
      type: 'histogram',
      search: S.findings,
      aggs: [count(), dateHistogram('2'), terms('3', 'group', FIELDS.severity, 5, 'Severity')],
      params: pointSeries('histogram', 'Findings'),
    }),
    visualization({
      id: V('findings-over-time-by-rule'),
      title: 'Findings over time by rule',
      description: 'Findings per time interval, split by the rule that matched (an event several rules match counts once per rule).',
      type: 'histogram',
      search: S.findings,
      aggs: [count(), dateHistogram('2'), terms('3', 'group', FIELDS.ruleName, 10, 'Rule')],
      params: pointSeries('histogram', 'Findings', false, true),
    }),
    visualization({
      id: V('findings-rules'),
      title: 'Rules that matched',
      description: 'Each rule that matched and how often. (rule.* fields are arrays side by side, so a second terms column would pair every rule of an event with every ruleset of it.)',
      type: 'table',
      search: S.findings,
      aggs: [count(), terms('2', 'bucket', FIELDS.ruleName, 30, 'Rule')],
      params: tableParams(),
    }),
    visualization({
      id: V('findings-accounts-regions'),
      title: 'Findings by account and region',
      description: 'Where findings happen: account and region of each matched event.',
      type: 'table',
      search: S.findings,
      aggs: [count(), terms('2', 'bucket', FIELDS.account, 20, 'Account'), terms('3', 'bucket', FIELDS.region, 10, 'Region')],
      params: tableParams(),
    }),
    visualization({
      id: V('findings-top-principals'),
      title: 'Findings: top principals',
      description: 'The principals behind the most findings, and which rules they set off.',
      type: 'table',
      search: S.findings,
      aggs: [count(), terms('2', 'bucket', FIELDS.principal, 15, 'Principal', true), terms('3', 'bucket', FIELDS.ruleName, 5, 'Rule')],
      params: tableParams(),
    }),
    visualization({
      id: V('findings-top-addresses'),
      title: 'Findings: top source addresses',
      description: 'The source addresses behind the most findings, with their country.',
      type: 'table',
      search: S.findings,
      query: `_exists_:${FIELDS.sourceIp}`,
      aggs: [count(), terms('2', 'bucket', FIELDS.sourceIp, 15, 'Address'), terms('3', 'bucket', FIELDS.country, 1, 'Country', true)],
      params: tableParams(),
    }),
  );

  out.push(
    dashboard(
      IDS.apiGatewayDashboard,
      'trailstream: API Gateway activity',
      'Control-plane activity of Amazon API Gateway from CloudTrail: changes, deployments, who and from where.',
      [
        { id: V('apigw-about'), type: 'visualization', w: 16, h: 12 },
        { id: V('apigw-calls-over-time'), type: 'visualization', w: 32, h: 12 },
        { id: V('apigw-changes-by-api-stage'), type: 'visualization', w: 16, h: 17 },
        { id: V('apigw-deployments-timeline'), type: 'visualization', w: 32, h: 17 },
        { id: S.deployments, type: 'search', w: 48, h: 15 },
        { id: V('apigw-who-changed-what'), type: 'visualization', w: 48, h: 18 },
        { id: V('apigw-failed-denied'), type: 'visualization', w: 16, h: 17 },
        { id: V('apigw-callers-by-identity-type'), type: 'visualization', w: 16, h: 17 },
        { id: V('apigw-console-vs-automation'), type: 'visualization', w: 16, h: 17 },
        { id: V('apigw-geo'), type: 'visualization', w: 24, h: 20 },
        { id: V('apigw-where-from'), type: 'visualization', w: 12, h: 20 },
        { id: V('apigw-top-addresses'), type: 'visualization', w: 12, h: 20 },
        { id: V('apigw-most-active-apis'), type: 'visualization', w: 24, h: 16 },
        { id: S.apigwDeletions, type: 'search', w: 24, h: 16 },
      ],
    ),
    dashboard(
      IDS.auditDashboard,
      'trailstream: CloudTrail audit overview',
      'What happened in your AWS accounts: services, errors, root, console sign-ins, denied calls, accounts, regions, locations.',
      [
        { id: V('audit-about'), type: 'visualization', w: 16, h: 12 },
        { id: V('audit-events-over-time'), type: 'visualization', w: 32, h: 12 },
        { id: V('audit-root-activity-count'), type: 'visualization', w: 8, h: 17 },
        { id: V('audit-root-activity-actions'), type: 'visualization', w: 16, h: 17 },
        { id: V('audit-error-codes'), type: 'visualization', w: 24, h: 17 },
        { id: V('audit-console-sign-ins'), type: 'visualization', w: 24, h: 17 },
        { id: V('audit-sign-in-failures-by-principal'), type: 'visualization', w: 24, h: 17 },
        { id: V('audit-denied-by-principal'), type: 'visualization', w: 16, h: 17 },
        { id: V('audit-accounts-regions'), type: 'visualization', w: 16, h: 17 },
        { id: V('audit-identity-types'), type: 'visualization', w: 16, h: 17 },
        { id: V('audit-geo'), type: 'visualization', w: 28, h: 18 },
        { id: V('audit-where-from'), type: 'visualization', w: 20, h: 18 },
        { id: S.root, type: 'search', w: 48, h: 15 },
      ],
    ),
    dashboard(
      IDS.findingsDashboard,
      'trailstream: findings',
      'Events the detection rules matched at ingest: over time by rule and severity, by account and region, who and from where, the latest ones.',
      [
        { id: V('findings-about'), type: 'visualization', w: 16, h: 10 },
        { id: V('findings-count'), type: 'visualization', w: 8, h: 10 },
        { id: V('findings-over-time-by-severity'), type: 'visualization', w: 24, h: 10 },
        { id: V('findings-over-time-by-rule'), type: 'visualization', w: 32, h: 17 },
        { id: V('findings-rules'), type: 'visualization', w: 16, h: 17 },
        { id: V('findings-accounts-regions'), type: 'visualization', w: 16, h: 17 },
        { id: V('findings-top-principals'), type: 'visualization', w: 16, h: 17 },
        { id: V('findings-top-addresses'), type: 'visualization', w: 16, h: 17 },
        { id: S.findings, type: 'search', w: 48, h: 15 },
      ],
    ),
  );
  return out;
}

/** The text of dashboards/trailstream.ndjson. */
export function renderSavedObjectsFile(): string {
  return toNdjson(savedObjects());
}
