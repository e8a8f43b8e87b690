import type { Config } from '../config/config.js';
import type { CloudTrailRecord } from '../model/cloudtrail.js';
import type { Detector } from '../model/detection.js';
import { timestampOf } from '../model/event-time.js';
import { apiGatewayContextOf } from './apigateway.js';
import type { CloudFields, Enrichment, SourceFields, TrailstreamFields } from './enrichment.js';
import { CachedGeoLookup, MmdbGeoLookup, openGeoLookup, type GeoCacheStats, type GeoDatabaseInfo, type GeoLookup, type GeoOptions } from './geo.js';
import { identityOf } from './identity.js';
import { eventFieldsOf, managementOf, readOnlyOf } from './outcome.js';
import { textOf } from './record-values.js';
import { classifySourceAddress } from './source-address.js';
import { UserAgentClassifier } from './user-agent.js';

/**
 * Turns a CloudTrail record into the fields trailstream adds to it (see
 * docs/fields.md). One instance per worker: it owns the geo-IP databases and the
 * caches, and `enrich` is pure apart from them — same record, same fields.
 */
export interface Enricher {
  /** Never throws, whatever the record holds. */
  enrich(record: CloudTrailRecord): Enrichment;
  /** The geo-IP databases in use (empty without geo), for the startup log and attribution. */
  readonly geoDatabases: readonly GeoDatabaseInfo[];
  /** Geo cache counters, for metrics; undefined without geo. */
  geoCacheStats(): GeoCacheStats | undefined;
}

export interface EnricherOptions {
  /**
   * `false`: no geo-IP or AS fields. Otherwise the databases to open; `{}`
   * opens the bundled DB-IP Lite city databases.
   */
  readonly geo: GeoOptions | false;
  /**
   * Tags records with the detection rules they match (`rule.*`,
   * `event.severity`, `event.risk_score`); the compiled rules of
   * `src/rules/`. Without it, no record is tagged.
   */
  readonly detector?: Detector;
}

/** The enricher's options from the configuration: geo-IP databases and cache, or none. */
export function enricherOptionsOf(config: Pick<Config, 'geoipDisabled' | 'geoipCityDb' | 'geoipAsnDb' | 'geoipCacheSize'>): EnricherOptions {
  return {
    geo: config.geoipDisabled
      ? false
      : {
          ...(config.geoipCityDb ? { cityDbPaths: config.geoipCityDb } : {}),
          ...(config.geoipAsnDb ? { asnDbPaths: config.geoipAsnDb } : {}),
          cacheSize: config.geoipCacheSize,
        },
  };
}

/**
 * Opens the configured geo-IP databases and returns the enricher. Rejects with
 * a `GeoDatabaseError` (a `ConfigError`) naming the file when a database is
 * missing or unusable, so that problem stops startup rather than records.
 */
export async function createEnricher(options: EnricherOptions): Promise<Enricher> {
  if (options.geo === false) return new RecordEnricher(undefined, [], options.detector);
  const databases = await openGeoLookup(options.geo);
  return new RecordEnricher(new CachedGeoLookup(databases, options.geo.cacheSize), databases.databases, options.detector);
}

/**
 * An enricher over an already open lookup (a real one from `openGeoLookupSync`,
 * or a fake), or without geo. For tests and for callers that cannot await.
 */
export function createEnricherSync(deps: { readonly geo?: GeoLookup; readonly geoCacheSize?: number; readonly detector?: Detector } = {}): Enricher {
  const geo = deps.geo ? new CachedGeoLookup(deps.geo, deps.geoCacheSize) : undefined;
  return new RecordEnricher(geo, deps.geo instanceof MmdbGeoLookup ? deps.geo.databases : [], deps.detector);
}

class RecordEnricher implements Enricher {
  private readonly userAgents = new UserAgentClassifier();

  constructor(
    private readonly geo: CachedGeoLookup | undefined,
    readonly geoDatabases: readonly GeoDatabaseInfo[],
    private readonly detector: Detector | undefined,
  ) {}

  geoCacheStats(): GeoCacheStats | undefined {
    return this.geo?.stats();
  }

  enrich(record: CloudTrailRecord): Enrichment {
    const out: Enrichment = {};
    const timestamp = timestampOf(record.eventTime);
    if (timestamp !== undefined) out['@timestamp'] = timestamp;
    out.cloud = cloudOf(record);

    const readOnly = readOnlyOf(record);
    const management = managementOf(record);
    const event = eventFieldsOf(record, readOnly, management);
    out.event = event;

    const trailstream: TrailstreamFields = {};
    // Insight events summarise many calls: they have no caller, address or tool.
    if (record.eventType !== 'AwsCloudTrailInsight') {
      const { user, identity } = identityOf(record);
      if (user !== undefined) out.user = user;
      trailstream.identity = identity;

      const address = classifySourceAddress(record.sourceIPAddress);
      trailstream.source = SOURCE_KINDS[address.kind];
      if (address.address !== undefined) {
        const source: SourceFields = { address: address.address };
        if (address.ip !== undefined) source.ip = address.ip;
        if (address.domain !== undefined) source.domain = address.domain;
        if (address.kind === 'public' && address.lookup !== undefined && this.geo !== undefined) {
          const found = this.geo.lookup(address.lookup.ip, address.lookup.family);
          if (found?.geo !== undefined) source.geo = found.geo;
          if (found?.as !== undefined) source.as = found.as;
        }
        out.source = source;
      }

      const ua = textOf(record.userAgent);
      if (ua !== undefined) {
        const entry = this.userAgents.entryOf(ua);
        out.user_agent = entry.fields;
        trailstream.user_agent = entry.tool;
      }
    }
    if (readOnly !== undefined) trailstream.read_only = readOnly;
    if (management !== undefined) trailstream.management = management;
    const apigateway = apiGatewayContextOf(record);
    if (apigateway !== undefined) trailstream.apigateway = apigateway;
    // Before trailstream, so a tagged document reads rule.* before our own namespace.
    const detection = this.detector?.(record);
    if (detection !== undefined) {
      out.rule = detection.rule;
      event.severity = detection.severity;
      event.risk_score = detection.riskScore;
    }
    out.trailstream = trailstream;
    return out;
  }
}

const SOURCE_KINDS = Object.freeze({
  public: Object.freeze({ kind: 'public' as const }),
  private: Object.freeze({ kind: 'private' as const }),
  'aws-service': Object.freeze({ kind: 'aws-service' as const }),
  'aws-internal': Object.freeze({ kind: 'aws-internal' as const }),
  invalid: Object.freeze({ kind: 'invalid' as const }),
  missing: Object.freeze({ kind: 'missing' as const }),
});

/** The account whose trail recorded the event; the caller's account is `trailstream.identity.account_id`. */
function cloudOf(record: CloudTrailRecord): CloudFields {
  const cloud: CloudFields = { provider: 'aws' };
  const account = textOf(record.recipientAccountId) ?? textOf(record.userIdentity?.accountId);
  if (account !== undefined) cloud.account = { id: account };
  const region = textOf(record.awsRegion);
  if (region !== undefined) cloud.region = region;
  return cloud;
}
