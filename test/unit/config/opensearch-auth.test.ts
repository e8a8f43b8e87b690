import { loadConfig } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';

/** OPENSEARCH_AUTH and its companions: defaults, and every contradiction refused with a message that says what to change. */
describe('OpenSearch authentication settings', () => {
  const base = { OPENSEARCH_URL: 'https://search.example.com' };
  const problem = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults to none without credentials and to basic with them (separate or in the URL)', () => {
    expect(loadConfig(base).opensearchAuth).toBe('none');
    expect(loadConfig({ ...base, OPENSEARCH_USERNAME: 'u', OPENSEARCH_PASSWORD: 'p' }).opensearchAuth).toBe('basic');
    expect(loadConfig({ OPENSEARCH_URL: 'https://u:p@search.example.com' }).opensearchAuth).toBe('basic');
  });

  it('sigv4 signs for es in AWS_REGION unless told otherwise; TLS is verified by default', () => {
    const c = loadConfig({ ...base, OPENSEARCH_AUTH: 'sigv4', AWS_REGION: 'eu-central-1' });
    expect([c.opensearchAuth, c.opensearchAwsService, c.opensearchAwsRegion, c.opensearchTlsVerify]).toEqual(['sigv4', 'es', 'eu-central-1', true]);
    const d = loadConfig({ ...base, OPENSEARCH_AUTH: 'sigv4', OPENSEARCH_AWS_SERVICE: 'aoss', OPENSEARCH_AWS_REGION: 'ap-southeast-2', AWS_REGION: 'eu-central-1' });
    expect([d.opensearchAwsService, d.opensearchAwsRegion]).toEqual(['aoss', 'ap-southeast-2']);
    expect(loadConfig({ ...base, OPENSEARCH_TLS_VERIFY: 'false' }).opensearchTlsVerify).toBe(false);
  });

  it('refuses sigv4 together with a username/password or credentials in the URL', () => {
    expect(problem({ ...base, OPENSEARCH_AUTH: 'sigv4', OPENSEARCH_USERNAME: 'u', OPENSEARCH_PASSWORD: 'p' })).toMatch(/OPENSEARCH_AUTH=sigv4 .* must not be set with it/);
    expect(problem({ OPENSEARCH_URL: 'https://u:p@search.example.com', OPENSEARCH_AUTH: 'sigv4' })).toMatch(/OPENSEARCH_AUTH=sigv4/);
  });

  it('refuses basic without credentials, half credentials, none with credentials, and both kinds of credentials', () => {
    expect(problem({ ...base, OPENSEARCH_AUTH: 'basic' })).toMatch(/OPENSEARCH_AUTH=basic needs OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD/);
    expect(problem({ ...base, OPENSEARCH_AUTH: 'basic', OPENSEARCH_USERNAME: 'u' })).toMatch(/must be set together/);
    expect(problem({ ...base, OPENSEARCH_AUTH: 'none', OPENSEARCH_USERNAME: 'u', OPENSEARCH_PASSWORD: 'p' })).toMatch(/OPENSEARCH_AUTH=none but OpenSearch credentials are set/);
    expect(problem({ OPENSEARCH_URL: 'https://u:p@search.example.com', OPENSEARCH_USERNAME: 'u', OPENSEARCH_PASSWORD: 'p' })).toMatch(/use one or the other/);
  });

  it('refuses aoss without sigv4, sigv4 with a Dashboards URL, and unknown values', () => {
    expect(problem({ ...base, OPENSEARCH_AWS_SERVICE: 'aoss' })).toMatch(/OPENSEARCH_AWS_SERVICE=aoss .* set OPENSEARCH_AUTH=sigv4/);
    expect(problem({ ...base, OPENSEARCH_AUTH: 'sigv4', OPENSEARCH_DASHBOARDS_URL: 'https://search.example.com/_dashboards' })).toMatch(/OPENSEARCH_DASHBOARDS_URL is set with OPENSEARCH_AUTH=sigv4/);
    expect(problem({ ...base, OPENSEARCH_AUTH: 'iam' })).toMatch(/OPENSEARCH_AUTH="iam"/);
    expect(problem({ ...base, OPENSEARCH_AWS_SERVICE: 'opensearch' })).toMatch(/OPENSEARCH_AWS_SERVICE="opensearch"/);
    expect(problem({ ...base, OPENSEARCH_AUTH: 'sigv4', OPENSEARCH_AWS_REGION: 'Frankfurt' })).toMatch(/OPENSEARCH_AWS_REGION="Frankfurt": must be an AWS region name/);
    expect(problem({ ...base, OPENSEARCH_TLS_VERIFY: 'maybe' })).toMatch(/OPENSEARCH_TLS_VERIFY="maybe"/);
  });

  it('never echoes the password of an invalid URL, valid or not, in the error', () => {
    for (const url of ['ftp://admin:Pa55-MARKER-word@search.example.com', 'https://admin:Pa55-MARKER-word@', 'admin:Pa55-MARKER-word@search.example.com', 'https://admin:Pa55-MARKER-word@exa mple.com']) {
      const message = problem({ OPENSEARCH_URL: url });
      expect(message).toMatch(/OPENSEARCH_URL=/);
      expect(message).not.toMatch(/MARKER/);
      expect(message).toMatch(/\[redacted\]@/);
    }
    expect(problem({ ...base, OPENSEARCH_DASHBOARDS_URL: 'ftp://u:Dash-MARKER@x' })).not.toMatch(/MARKER/);
  });
});
