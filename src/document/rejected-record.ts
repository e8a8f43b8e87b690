import type { DocumentOrigin } from '../sink/bulk-indexer.js';
import { dayOf } from '../model/event-time.js';
import { documentId } from './document-id.js';
import { indexNameFor } from './index-name.js';
import { periodOfDay } from '../model/index-period.js';
import type { ObjectTarget } from './record-document.js';

/**
 * The dead letter of an element of `Records` that the splitter rejected (too
 * large, or not an object): only a bounded copy of its first and last bytes
 * exists, so the record's identity is read from those with a pattern, as far
 * as it shows. CloudTrail writes eventTime and eventName near the start and
 * eventID after the large members (requestParameters, responseElements), so
 * the first two are looked for in the prefix and eventID in the tail first.
 * These values are informative (a hint for the operator) and, when eventID
 * and eventTime are found, give the dead letter the same target `index/id`
 * the record would have had.
 */
export interface RejectedRecordFields {
  readonly eventID?: string;
  readonly eventTime?: string;
  readonly eventName?: string;
}

export interface RejectedRecordDocument {
  /** Where the record would have gone, had it been indexable. */
  readonly index: string;
  readonly id: string;
  readonly fields: RejectedRecordFields;
}

/** `"name":"value"` with a plain (escape-free, short) string value. */
function field(name: string): RegExp {
  return new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{1,512})"`, 'g');
}
const EVENT_ID = field('eventID');
const EVENT_TIME = field('eventTime');
const EVENT_NAME = field('eventName');

function first(pattern: RegExp, text: string): string | undefined {
  pattern.lastIndex = 0;
  return pattern.exec(text)?.[1];
}

function last(pattern: RegExp, text: string): string | undefined {
  pattern.lastIndex = 0;
  let found: string | undefined;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) found = m[1];
  return found;
}

export function rejectedRecordFields(prefix: Buffer, tail: Buffer): RejectedRecordFields {
  const head = prefix.toString('utf8');
  const end = tail.toString('utf8');
  const eventID = last(EVENT_ID, end) ?? first(EVENT_ID, head);
  const eventTime = first(EVENT_TIME, head) ?? last(EVENT_TIME, end);
  const eventName = first(EVENT_NAME, head) ?? last(EVENT_NAME, end);
  return {
    ...(eventID === undefined ? {} : { eventID }),
    ...(eventTime === undefined ? {} : { eventTime }),
    ...(eventName === undefined ? {} : { eventName }),
  };
}

export function rejectedRecordDocument(prefix: Buffer, tail: Buffer, origin: DocumentOrigin, target: ObjectTarget, indexPrefix: string): RejectedRecordDocument {
  const fields = rejectedRecordFields(prefix, tail);
  const day = dayOf(fields.eventTime) ?? target.fallbackDay;
  return {
    index: indexNameFor(indexPrefix, target.family, day === undefined ? undefined : periodOfDay(day, target.granularity)),
    id: documentId(fields.eventID, origin.bucket, origin.key, origin.ordinal),
    fields,
  };
}
