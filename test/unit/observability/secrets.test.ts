import { Writable } from 'node:stream';
import { createLogger } from '../../../src/observability/logger.js';
import { SecretScrubber } from '../../../src/observability/secrets.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, done) {
        text += chunk.toString();
        done();
      },
    }),
    text: () => text,
  };
}

describe('SecretScrubber', () => {
  const password = 'p@ss:w/rd "quoted" \\ ü';
  const scrubber = new SecretScrubber().addBasicAuth('admin', password).add('AWS+SECRET/KEY=').add('abc');

  it('replaces a secret as is, percent-encoded, JSON-escaped (once and twice) and as a basic-auth header', () => {
    const basic = Buffer.from(`admin:${password}`).toString('base64');
    const text = [
      password,
      encodeURIComponent(password),
      JSON.stringify({ password }),
      JSON.stringify({ error: JSON.stringify({ password }) }),
      `Authorization: Basic ${basic}`,
      `Basic ${basic.replace(/=+$/, '')}`,
      'key=AWS+SECRET/KEY=',
      `https://admin:${encodeURIComponent(password)}@host/`,
    ].join('\n');
    const out = scrubber.scrub(text);
    expect(out).not.toContain(password);
    expect(out).not.toContain(encodeURIComponent(password));
    expect(out).not.toContain(JSON.stringify(password).slice(1, -1));
    expect(out).not.toContain(basic.replace(/=+$/, ''));
    expect(out).not.toContain('AWS+SECRET/KEY=');
    expect(out.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(8);
  });

  it('leaves short values and everything else alone', () => {
    expect(scrubber.scrub('abc abcd the quick fox')).toBe('abc abcd the quick fox');
    expect(new SecretScrubber().scrub('nothing registered')).toBe('nothing registered');
  });

  it('scrubs every line a logger writes, in messages, fields and errors', () => {
    const out = capture();
    const logger = createLogger({ level: 'trace', destination: out.stream, scrubber: new SecretScrubber().add('MARKER-SECRET-1') });
    logger.info({ detail: 'x MARKER-SECRET-1 y' }, 'message MARKER-SECRET-1');
    logger.error({ err: new Error('echoed header: MARKER-SECRET-1') }, 'failed');
    logger.trace({ nested: { deeper: { value: ['MARKER-SECRET-1'] } } }, 'trace');
    expect(out.text()).not.toContain('MARKER-SECRET-1');
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('pino paths hide secrets under known names even when their values are unknown', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream });
    logger.info(
      {
        headers: { authorization: 'Basic dW5rbm93bjp1bmtub3du', 'x-amz-security-token': 'unknown-token' },
        credentials: { secretAccessKey: 'unknown-secret', sessionToken: 'unknown-session' },
        err: { meta: { meta: { connection: { headers: { authorization: 'Basic c2VjcmV0' } }, request: { params: { headers: {} } } } } },
      },
      'request',
    );
    expect(out.text()).not.toMatch(/dW5rbm93bjp1bmtub3du|unknown-token|unknown-secret|unknown-session|c2VjcmV0/);
  });
});
