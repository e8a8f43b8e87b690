/**
 * What an S3 key is, judged by CloudTrail's delivery layout:
 *
 *   [prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail[-Digest|-Insight]/<region>/<yyyy>/<mm>/<dd>/<file>
 *
 * Keys must already be URL-decoded (S3 event notifications encode them).
 */
export type ObjectKeyInfo = CloudTrailKeyInfo | { readonly kind: 'other' };

export interface CloudTrailKeyInfo {
  /** `log`: API/data events; `digest`: integrity digests (no records); `insight`: Insights events. */
  readonly kind: 'log' | 'digest' | 'insight';
  /** The 12-digit account the events belong to. */
  readonly account: string;
  readonly region: string;
  /** Delivery day from the path, `YYYY-MM-DD` (UTC). */
  readonly date: string;
  /** Set for organization trails. */
  readonly organizationId: string | undefined;
  /** The user-chosen prefix before `AWSLogs/` (without the trailing `/`), or ''. */
  readonly prefix: string;
  readonly fileName: string;
}

const KINDS: Readonly<Record<string, CloudTrailKeyInfo['kind']>> = {
  CloudTrail: 'log',
  'CloudTrail-Digest': 'digest',
  'CloudTrail-Insight': 'insight',
};

// The prefix is lazy so the first `AWSLogs/` segment that fits the layout wins
// over one that might appear in a file name. Region names: us-east-1,
// us-gov-west-1, eu-isoe-west-1, cn-north-1, ...
const LAYOUT =
  /^(?:(.*?)\/)??AWSLogs\/(?:(o-[a-z0-9]{10,32})\/)?(\d{12})\/(CloudTrail|CloudTrail-Digest|CloudTrail-Insight)\/([a-z]{2}(?:-[a-z]+)+-\d{1,2})\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/;

export function classifyKey(key: string): ObjectKeyInfo {
  const m = LAYOUT.exec(key);
  if (m === null) return OTHER;
  const [, prefix = '', organizationId, account, folder, region, yyyy, mm, dd, fileName] = m;
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) return OTHER;
  return {
    kind: KINDS[folder!]!,
    account: account!,
    region: region!,
    date: `${yyyy}-${mm}-${dd}`,
    organizationId,
    prefix,
    fileName: fileName!,
  };
}

const OTHER: ObjectKeyInfo = Object.freeze({ kind: 'other' });
