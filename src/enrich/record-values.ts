/**
 * Readers for fields of real CloudTrail records, whose types the model can only
 * hope for: publishers edit events by hand, some tools lower-case keys, and
 * values arrive as strings, booleans, `null` or JSON text. Enrichment must never
 * throw on such a record, so every field is read through these.
 */

/** The value if it is a non-empty string. */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The value if it is a plain JSON object (not an array, not a JSON string). */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * CloudTrail writes flags as booleans (`readOnly`), as `"true"`/`"false"`
 * (`mfaAuthenticated`, `sessionCredentialFromConsole`) and hand-made events as
 * `"True"`; anything else is unknown.
 */
export function flagOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  if (value === 'true' || value === 'True' || value === 'TRUE') return true;
  if (value === 'false' || value === 'False' || value === 'FALSE') return false;
  return undefined;
}
