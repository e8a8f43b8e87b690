import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads OPENSEARCH_CA_FILE (or ELASTICSEARCH_CA_FILE, named by `variable`): a PEM bundle of one or more CA certificates. Every
 * certificate is parsed here, so a wrong file (a key, a DER file, a truncated
 * copy) stops startup with the path named instead of failing later as an
 * obscure handshake error.
 */
export function readCaBundle(file: string, variable = 'OPENSEARCH_CA_FILE'): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(`${variable}=${file}: cannot read it (${code}). Check the path and the permissions of the CA bundle (PEM), or unset the variable.`);
  }
  const pems = text.match(PEM_CERTIFICATE) ?? [];
  if (pems.length === 0) {
    throw new ConfigError(
      `${variable}=${file}: no PEM certificate in it (expected one or more "-----BEGIN CERTIFICATE-----" blocks). Convert a DER file with "openssl x509 -inform der -in ca.der -out ca.pem".`,
    );
  }
  pems.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (e) {
      throw new ConfigError(`${variable}=${file}: certificate ${i + 1} of ${pems.length} is not valid (${(e as Error).message}).`);
    }
  });
  return pems;
}
