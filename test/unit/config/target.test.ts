import { loadConfig } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';
import { SecretScrubber } from '../../../src/observability/secrets.js';

/** TRAILSTREAM_TARGET and the ELASTICSEARCH_* settings: defaults, and every contradiction refused with what to change. */
describe('target settings', () => {
  const problem = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };
  const es = { TRAILSTREAM_TARGET: 'elasticsearch', ELASTICSEARCH_URL: 'https://es.example.com:9200' };

  it('defaults to OpenSearch, with the OPENSEARCH_* settings as before', () => {
    const c = loadConfig({ OPENSEARCH_URL: 'https://os.example.com' });
    expect([c.target, c.opensearchUrls, c.elasticsearchTlsVerify]).toEqual(["opensearch", ["https://os.example.com"], true]);
  });

  it('takes Elasticsearch with basic auth, an API key, a CA file and TLS verification on by default', () => {
    const c = loadConfig({ ...es, ELASTICSEARCH_USERNAME: 'u', ELASTICSEARCH_PASSWORD: 'p', ELASTICSEARCH_CA_FILE: '/etc/ca.pem' });
    expect([c.target, c.elasticsearchUrl, c.elasticsearchUsername, c.elasticsearchCaFile, c.elasticsearchTlsVerify]).toEqual([
      'elasticsearch',
      'https://es.example.com:9200',
      'u',
      '/etc/ca.pem',
      true,
    ]);
    expect(loadConfig({ ...es, ELASTICSEARCH_API_KEY: 'a2V5OnNlY3JldA==' }).elasticsearchApiKey).toBe('a2V5OnNlY3JldA==');
    expect(loadConfig({ ...es, ELASTICSEARCH_TLS_VERIFY: 'false' }).elasticsearchTlsVerify).toBe(false);
  });

  it('refuses an unknown target, half credentials, and two ways to authenticate at once', () => {
    expect(problem({ TRAILSTREAM_TARGET: 'solr' })).toMatch(/TRAILSTREAM_TARGET="solr"/);
    expect(problem({ ...es, ELASTICSEARCH_USERNAME: 'u' })).toMatch(/ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD must be set together/);
    expect(problem({ ...es, ELASTICSEARCH_USERNAME: 'u', ELASTICSEARCH_PASSWORD: 'p', ELASTICSEARCH_API_KEY: 'k123' })).toMatch(/ELASTICSEARCH_API_KEY is set together with a user and password/);
    expect(problem({ ...es, ELASTICSEARCH_URL: 'https://u:p@es.example.com', ELASTICSEARCH_USERNAME: 'u', ELASTICSEARCH_PASSWORD: 'p' })).toMatch(/use one or the other/);
  });

  it('names TRAILSTREAM_TARGET when Elasticsearch settings come without it, and the other dashboards URL', () => {
    expect(problem({ ELASTICSEARCH_URL: 'http://127.0.0.1:9201' })).toMatch(/ELASTICSEARCH_URL is set but TRAILSTREAM_TARGET is not: set TRAILSTREAM_TARGET=elasticsearch/);
    // An explicit target wins over leftovers of the other engine in the shell.
    expect(loadConfig({ TRAILSTREAM_TARGET: 'opensearch', ELASTICSEARCH_URL: 'http://127.0.0.1:9201' }).target).toBe('opensearch');
    expect(problem({ TRAILSTREAM_TARGET: 'opensearch', KIBANA_URL: 'http://kibana:5601' })).toMatch(/KIBANA_URL is set with TRAILSTREAM_TARGET=opensearch/);
    expect(problem({ ...es, OPENSEARCH_DASHBOARDS_URL: 'http://osd:5601' })).toMatch(/use KIBANA_URL for Kibana/);
  });

  it('scrubs an API key and its secret half', () => {
    const key = Buffer.from('VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw').toString('base64');
    const s = new SecretScrubber().addApiKey(key);
    expect(s.scrub(`Authorization: ApiKey ${key}`)).toBe('Authorization: ApiKey [redacted]');
    expect(s.scrub('secret ui2lp2axTNmsyakw9tvNnw echoed')).toBe('secret [redacted] echoed');
  });
});
