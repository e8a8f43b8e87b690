import type { UserAgentFields, UserAgentTool } from './enrichment.js';

/**
 * The tool behind a request, from its user agent. Order matters because user
 * agents nest: Terraform, Pulumi and the CDK name the SDK they are built on; the
 * console's calls name the AWS-internal Java SDK; AWS CLI v1 names botocore;
 * Boto3 names botocore. So tools are tested before the libraries they embed.
 */
export function classifyUserAgent(ua: string): UserAgentTool {
  if (ua.includes('Terraform/') || ua.includes('terraform-provider-aws')) return 'terraform';
  if (ua.includes('Pulumi/') || ua.includes('pulumi-aws')) return 'pulumi';
  if (ua.includes('aws-cdk/')) return 'aws-cdk';
  if (ua.includes('cloudformation.amazonaws.com') || ua.includes('AWS CloudFormation')) return 'cloudformation';
  // console.amazonaws.com, console.ec2.amazonaws.com, "S3Console/0.4, aws-internal/3 …", "RDS Console, …"
  if (ua.includes('Console') || ua.includes('console.') || ua === 'signin.amazonaws.com') return 'console';
  if (ua === 'AWS Internal' || ua.includes('aws-internal/')) return 'aws-internal';
  if (ua.includes('aws-cli/')) return 'aws-cli';
  if (ua.includes('AWSPowerShell') || ua.includes('AWS.Tools.')) return 'aws-powershell';
  if (ua.includes('Boto3/')) return 'boto3';
  if (ua.includes('Botocore/') || ua.includes('botocore/')) return 'botocore';
  const sdk = ua.indexOf('aws-sdk-');
  if (sdk >= 0) {
    const tool = SDKS.get(languageAt(ua, sdk + 8));
    if (tool) return tool;
  }
  // Console pages call AWS with the browser's user agent, and so do sign-ins.
  if (ua.startsWith('Mozilla/') || ua === 'Mozilla') return 'console';
  if (ua.endsWith('.amazonaws.com')) return 'aws-service';
  return 'other';
}

const SDKS: ReadonlyMap<string, UserAgentTool> = new Map<string, UserAgentTool>([
  ['js', 'aws-sdk-js'],
  ['nodejs', 'aws-sdk-js'],
  ['go', 'aws-sdk-go'],
  ['java', 'aws-sdk-java'],
  ['dotnet', 'aws-sdk-dotnet'],
  ['ruby', 'aws-sdk-ruby'],
  ['php', 'aws-sdk-php'],
  ['cpp', 'aws-sdk-cpp'],
  ['rust', 'aws-sdk-rust'],
  ['kotlin', 'aws-sdk-kotlin'],
  ['swift', 'aws-sdk-swift'],
]);

/** The letters after `aws-sdk-`: `go` in `aws-sdk-go-v2/1.3`, `ruby` in `aws-sdk-ruby3/3.1`. */
function languageAt(ua: string, from: number): string {
  let end = from;
  while (end < ua.length) {
    const c = ua.charCodeAt(end);
    if (c < 0x61 || c > 0x7a) break;
    end++;
  }
  return ua.slice(from, end);
}

/** The ECS and trailstream user-agent fields of one user agent, shared by every record that has it. */
export interface UserAgentEntry {
  readonly fields: UserAgentFields;
  readonly tool: { readonly tool: UserAgentTool };
}

/**
 * Classifies each distinct user agent once. User agents repeat even more than
 * addresses (one per tool version and host), so a small map that is simply
 * emptied when full keeps the work and the allocations off the hot path
 * without the bookkeeping of an LRU.
 */
export class UserAgentClassifier {
  private readonly entries = new Map<string, UserAgentEntry>();

  constructor(private readonly maxEntries = 4096) {}

  entryOf(ua: string): UserAgentEntry {
    let entry = this.entries.get(ua);
    if (entry === undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      entry = Object.freeze({ fields: Object.freeze({ original: ua }), tool: Object.freeze({ tool: classifyUserAgent(ua) }) });
      this.entries.set(ua, entry);
    }
    return entry;
  }
}
