/**
 * User-agent strings as AWS clients send them and CloudTrail records them.
 *
 * A client profile is fixed per session (one laptop keeps one CLI version), and
 * the service-specific part (`api/apigateway#…`, `command/sts.get-caller-identity`)
 * is filled in per call, because real agents name the API they are calling.
 * Strings are cached per profile: the same few hundred agents repeat millions of
 * times in a large run, and building them is the costly part.
 */
import type { Random } from './random.js';

export type ClientKind =
  | 'browser'
  | 'console-internal'
  | 'console-signin'
  | 'aws-cli'
  | 'boto3'
  | 'sdk-js-v3'
  | 'sdk-go-v2'
  | 'sdk-java'
  | 'terraform'
  | 'cloudformation'
  | 'service';

/** Per-service names as each SDK spells them. */
interface SdkNames {
  cli: string;
  js: string;
  go: string;
}

const SDK_NAMES: Readonly<Record<string, SdkNames>> = {
  'apigateway.amazonaws.com': { cli: 'apigateway', js: 'api-gateway', go: 'apigateway' },
  'apigateway.amazonaws.com#v2': { cli: 'apigatewayv2', js: 'apigatewayv2', go: 'apigatewayv2' },
  'sts.amazonaws.com': { cli: 'sts', js: 'sts', go: 'sts' },
  'iam.amazonaws.com': { cli: 'iam', js: 'iam', go: 'iam' },
  'ec2.amazonaws.com': { cli: 'ec2', js: 'ec2', go: 'ec2' },
  's3.amazonaws.com': { cli: 's3api', js: 's3', go: 's3' },
  'lambda.amazonaws.com': { cli: 'lambda', js: 'lambda', go: 'lambda' },
  'kms.amazonaws.com': { cli: 'kms', js: 'kms', go: 'kms' },
  'logs.amazonaws.com': { cli: 'logs', js: 'cloudwatch-logs', go: 'cloudwatchlogs' },
  'cloudformation.amazonaws.com': { cli: 'cloudformation', js: 'cloudformation', go: 'cloudformation' },
  'sso.amazonaws.com': { cli: 'sso', js: 'sso', go: 'sso' },
  'signin.amazonaws.com': { cli: 'signin', js: 'signin', go: 'signin' },
  'workdocs.amazonaws.com': { cli: 'workdocs', js: 'workdocs', go: 'workdocs' },
};

const BROWSERS: readonly string[] = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 Edg/127.0.0.0',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0',
];

const CLI_BUILDS: readonly string[] = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22',
  'aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64',
  'aws-cli/2.13.25 Python/3.11.5 Windows/10 exe/AMD64',
  'aws-cli/2.15.58 Python/3.11.8 Linux/5.10.215-203.850.amzn2.x86_64 exe/x86_64.amzn.2',
];
// aws-cli ≥ 2.17 switched to the `md/...` metadata format.
const CLI_MD_BUILDS: readonly string[] = [
  'aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe',
  'aws-cli/2.18.4 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0-1014-aws md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24',
];

const BOTO3_BUILDS: readonly string[] = [
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.214-224.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.69',
  'Boto3/1.35.24 md/Botocore#1.35.24 ua/2.0 os/linux#6.1.102-111.182.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.24',
  'Boto3/1.28.57 Python/3.10.12 Linux/5.15.0-1045-aws Botocore/1.31.57',
];

const JS_BUILDS: readonly string[] = [
  'aws-sdk-js/3.592.0 ua/2.0 os/linux#5.10.216-225.855.amzn2.x86_64 lang/js md/nodejs#20.13.1',
  'aws-sdk-js/3.637.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.17.0',
  'aws-sdk-js/3.478.0 ua/2.0 os/darwin#23.2.0 lang/js md/nodejs#18.19.0',
];
const JS_EXEC_ENV = ' exec-env/AWS_Lambda_nodejs20.x';

const GO_BUILDS: readonly string[] = [
  'aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64',
  'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#arm64',
];

const JAVA_BUILDS: readonly string[] = [
  'aws-sdk-java/2.25.16 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. md/io#sync md/http#Apache ua/2.0 cfg/retry-mode#legacy',
  'aws-sdk-java/1.12.680 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.22+7-LTS java/11.0.22 vendor/Amazon.com_Inc. cfg/retry-mode/standard',
];

const TERRAFORM_BUILDS: readonly { core: string; provider: string; sdk: string }[] = [
  { core: '1.9.5', provider: '5.67.0', sdk: 'aws-sdk-go-v2/1.30.5 ua/2.1 os/linux lang/go#1.22.6 md/GOOS#linux md/GOARCH#amd64' },
  { core: '1.8.4', provider: '5.46.0', sdk: 'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64' },
  { core: '1.9.5', provider: '5.72.1', sdk: 'aws-sdk-go-v2/1.32.2 ua/2.1 os/darwin lang/go#1.23.2 md/GOOS#darwin md/GOARCH#arm64' },
];

/** Go SDK per-service module versions, only to make the `api/<svc>#<ver>` token look like a real build. */
function moduleVersion(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return `1.${(h >>> 0) % 60}.${(h >>> 8) % 20}`;
}

/** CLI commands whose name is not the operation's (the SSO token comes from `aws sso login`). */
const CLI_COMMANDS: Readonly<Record<string, string>> = { CreateToken: 'login' };

/** `CreateRestApi` → `create-rest-api`, as the CLI's `command/` token spells operations. */
function kebab(eventName: string): string {
  const special = CLI_COMMANDS[eventName];
  if (special) return special;
  return eventName
    .replace(/20\d{6}(v\d)?$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

export interface ClientProfile {
  readonly kind: ClientKind;
  /** The userAgent for one call; `sdkKey` is the eventSource, with `#v2` for API Gateway v2. */
  userAgent(sdkKey: string, eventName: string): string;
  /** TLS 1.3 for current SDKs and browsers; older stacks still negotiate 1.2. */
  readonly tls13: boolean;
}

class CachedClient implements ClientProfile {
  private readonly cache = new Map<string, string>();
  constructor(
    readonly kind: ClientKind,
    readonly tls13: boolean,
    private readonly build: (names: SdkNames, eventName: string) => string,
    private readonly perOperation: boolean,
  ) {}

  userAgent(sdkKey: string, eventName: string): string {
    const key = this.perOperation ? sdkKey + ' ' + eventName : sdkKey;
    let ua = this.cache.get(key);
    if (ua === undefined) {
      const names = SDK_NAMES[sdkKey] ?? { cli: 'unknown', js: 'unknown', go: 'unknown' };
      ua = this.build(names, eventName);
      this.cache.set(key, ua);
    }
    return ua;
  }
}

function fixed(kind: ClientKind, ua: string, tls13: boolean): ClientProfile {
  return { kind, tls13, userAgent: () => ua };
}

/**
 * A client profile of the given kind; `host` is the service host for
 * `service`/`cloudformation` kinds (CloudTrail writes the calling service's
 * host name as both userAgent and sourceIPAddress).
 */
export function makeClient(rng: Random, kind: ClientKind, options: { lambda?: boolean; host?: string } = {}): ClientProfile {
  switch (kind) {
    case 'browser':
      return fixed(kind, rng.pick(BROWSERS), true);
    case 'console-internal':
      return fixed(kind, 'AWS Internal', true);
    case 'console-signin':
      return fixed(kind, 'signin.amazonaws.com', true);
    case 'cloudformation':
      return fixed(kind, 'cloudformation.amazonaws.com', true);
    case 'service':
      return fixed(kind, options.host ?? 'lambda.amazonaws.com', true);
    case 'aws-cli': {
      const md = rng.chance(0.35);
      const build = md ? rng.pick(CLI_MD_BUILDS) : rng.pick(CLI_BUILDS);
      return new CachedClient(
        kind,
        rng.chance(0.8),
        md
          ? (n, op) => `${build} md/prompt#off md/command#${n.cli}.${kebab(op)}`
          : (n, op) => `${build} prompt/off command/${n.cli}.${kebab(op)}`,
        true,
      );
    }
    case 'boto3': {
      const build = rng.pick(BOTO3_BUILDS);
      return new CachedClient(kind, rng.chance(0.7), () => build, false);
    }
    case 'sdk-js-v3': {
      const build = rng.pick(JS_BUILDS);
      const env = options.lambda ? JS_EXEC_ENV : '';
      const major = build.slice(build.indexOf('/') + 1, build.indexOf(' '));
      return new CachedClient(kind, true, (n) => `${build} api/${n.js}#${major}${env}`, false);
    }
    case 'sdk-go-v2': {
      const build = rng.pick(GO_BUILDS);
      return new CachedClient(kind, true, (n) => `${build} api/${n.go}#${moduleVersion(n.go)}`, false);
    }
    case 'sdk-java': {
      const build = rng.pick(JAVA_BUILDS);
      return new CachedClient(kind, build.startsWith('aws-sdk-java/2'), () => build, false);
    }
    case 'terraform': {
      const t = rng.pick(TERRAFORM_BUILDS);
      const head = `APN/1.0 HashiCorp/1.0 Terraform/${t.core} (+https://www.terraform.io) terraform-provider-aws/${t.provider} (+https://registry.terraform.io/providers/hashicorp/aws) ${t.sdk}`;
      return new CachedClient(kind, true, (n) => `${head} api/${n.go}#${moduleVersion(n.go)} m/E,g`, false);
    }
  }
}
