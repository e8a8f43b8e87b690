/**
 * The last line of defence against secrets in output: every log line and every
 * fatal error message passes through {@link SecretScrubber.scrub}, which
 * replaces any known secret value, in any of the forms it travels in (as is,
 * percent-encoded in a URL, escaped inside JSON, as the base64 of an HTTP basic
 * `user:password`), with "[redacted]".
 *
 * pino's path redaction (logger.ts) hides secrets in fields whose names are
 * known; this catches what no path can: a secret echoed inside an error message,
 * e.g. a proxy or a hostile server that copies the request headers into its
 * error body.
 */
export class SecretScrubber {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  /** Values shorter than this are not scrubbed: replacing every "a" would destroy logs and protect nothing. */
  static readonly MIN_LENGTH = 4;

  /** Registers a secret (and the forms it travels in). Undefined and short values are ignored. */
  add(secret: string | undefined): this {
    if (secret === undefined || secret.length < SecretScrubber.MIN_LENGTH) return this;
    const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify(secret)).slice(3, -3)];
    let grew = false;
    for (const form of forms) {
      if (form.length >= SecretScrubber.MIN_LENGTH && !this.values.has(form)) {
        this.values.add(form);
        grew = true;
      }
    }
    if (grew) this.pattern = undefined;
    return this;
  }

  /** Registers HTTP basic credentials: the password, and the base64 `user:password` of the Authorization header. */
  addBasicAuth(username: string, password: string): this {
    this.add(password);
    const encoded = Buffer.from(`${username}:${password}`).toString('base64');
    this.add(encoded);
    // base64 without padding, as some servers echo it
    this.add(encoded.replace(/=+$/, ''));
    return this;
  }

  /**
   * Registers an Elasticsearch API key: the key as configured (the base64
   * `id:api_key` that goes into `Authorization: ApiKey …`) and, when it is
   * that base64 form, the secret half of it too.
   */
  addApiKey(key: string): this {
    this.add(key);
    const decoded = Buffer.from(key, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0 && /^[\x21-\x7e]+$/.test(decoded) && Buffer.from(decoded).toString('base64').replace(/=+$/, '') === key.replace(/=+$/, '')) {
      this.add(decoded.slice(colon + 1));
    }
    return this;
  }

  scrub(text: string): string {
    if (this.values.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, '[redacted]');
  }
}

/**
 * The process's scrubber: the composition root registers the configured
 * secrets and the AWS credentials it resolves, the logger and the CLI's error
 * printer scrub with it.
 */
export const processSecrets = new SecretScrubber();
