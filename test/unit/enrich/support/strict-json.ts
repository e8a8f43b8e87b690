/**
 * JSON.parse keeps the last of duplicate keys without a word; OpenSearch
 * rejects such a document. This parser throws on a duplicate key, so tests can
 * prove that splicing the enrichment into a record's bytes never produces one.
 * Values are checked for syntax by JSON.parse afterwards; this only walks the
 * structure.
 */
export function assertNoDuplicateKeys(text: string): void {
  JSON.parse(text);
  let i = 0;

  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        if (seen.has(key)) throw new Error(`duplicate key "${key}" in ${path || 'the top-level object'}`);
        seen.add(key);
        ws();
        i++; // colon
        value(`${path}.${key}`);
        ws();
        if (text[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let k = 0; ; k++) {
        value(`${path}[${k}]`);
        ws();
        if (text[i++] === ']') return;
      }
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !',}] \n\r\t'.includes(text[i] as string)) i++;
    }
  };
  value('');
}
