import { classifyUserAgent, UserAgentClassifier } from '../../../src/enrich/user-agent.js';
import { corpusRecord } from './support/corpus.js';

describe('classifyUserAgent', () => {
  describe('real corpus user agents', () => {
    it.each([
      ['console', (ua: string) => ua === 'console.amazonaws.com'],
      ['console', (ua: string) => ua.startsWith('[S3Console/')],
      ['console', (ua: string) => ua.startsWith('Mozilla/5.0 (Macintosh')],
      ['aws-cli', (ua: string) => ua.startsWith('aws-cli/2.') && ua.includes('md/awscrt')],
      ['aws-cli', (ua: string) => ua.startsWith('aws-cli/1.') && ua.includes('botocore/')],
      ['boto3', (ua: string) => ua.startsWith('Boto3/') && ua.includes('Botocore/')],
      ['aws-sdk-go', (ua: string) => ua.startsWith('aws-sdk-go/') && ua.includes('amazon-ssm-agent')],
      ['aws-sdk-go', (ua: string) => ua.startsWith('aws-sdk-go-v2/')],
      ['aws-sdk-java', (ua: string) => ua.startsWith('aws-sdk-java/')],
      ['terraform', (ua: string) => ua.startsWith('APN/1.0 HashiCorp/1.0 Terraform/')],
      ['terraform', (ua: string) => ua.startsWith('aws-sdk-go/') && ua.includes('Terraform/')],
      ['cloudformation', (ua: string) => ua === 'cloudformation.amazonaws.com'],
      ['aws-internal', (ua: string) => ua === 'AWS Internal'],
      ['aws-internal', (ua: string) => ua.startsWith('[AWSCloudTrail, aws-internal/')],
      ['aws-service', (ua: string) => ua === 'config.amazonaws.com'],
      ['other', (ua: string) => ua.startsWith('python-requests/')],
      ['other', (ua: string) => ua === 'TruffleHog'],
    ])('%s', (tool, match) => {
      const { record } = corpusRecord(`user agent for ${tool}`, (r) => typeof r.userAgent === 'string' && match(r.userAgent));
      expect(classifyUserAgent(record.userAgent as string)).toBe(tool);
    });
  });

  it.each([
    ['aws-sdk-js', 'aws-sdk-js/3.540.0 ua/2.0 os/linux#6.5.0 lang/js md/nodejs#20.11.1 api/s3#3.540.0'],
    ['aws-sdk-js', 'aws-sdk-nodejs/2.1577.0 linux/v18.19.1 exec-env/AWS_Lambda_nodejs18.x promise'],
    ['aws-sdk-java', 'aws-sdk-java/2.25.11 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy'],
    ['aws-sdk-dotnet', 'aws-sdk-dotnet-coreclr/3.7.300.53 aws-sdk-dotnet-core/3.7.303.14 .NET_Core/8.0.2 OS/Microsoft_Windows_10.0.22631 ClientAsync'],
    ['aws-sdk-ruby', 'aws-sdk-ruby3/3.191.4 ruby/3.3.0 x86_64-linux aws-sdk-s3/1.143.0'],
    ['aws-sdk-php', 'aws-sdk-php/3.300.12 OS/Linux/6.5.0 lang/php/8.3.3 GuzzleHttp/7'],
    ['aws-sdk-rust', 'aws-sdk-rust/1.1.7 os/linux lang/rust/1.76.0'],
    ['aws-powershell', 'AWSPowerShell.Common/4.1.534.0 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_10.0.22631.0 WindowsPowerShell/5.0 ClientSync aws-sdk-dotnet-core/3.7'],
    ['botocore', 'Botocore/1.34.64 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy'],
    ['boto3', 'Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.64'],
    ['aws-cli', 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exec-env/CloudShell exe/x86_64.amzn.2023 prompt/off command/s3.ls'],
    ['terraform', 'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1'],
    ['pulumi', 'APN/1.0 Pulumi/1.0 pulumi-aws/6.25.0 aws-sdk-go-v2/1.25.3 os/linux lang/go#1.21.6'],
    ['aws-cdk', 'aws-sdk-js/2.1574.0 linux/v20.11.1 aws-cdk/2.133.0 promise'],
    ['cloudformation', 'AWS CloudFormation'],
    ['console', 'console.ec2.amazonaws.com'],
    ['console', 'signin.amazonaws.com'],
    ['console', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0'],
    ['aws-internal', 'aws-internal/3 aws-sdk-java/1.12.655 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard'],
    ['aws-service', 'lambda.amazonaws.com'],
    ['other', 'curl/8.5.0'],
    ['other', 'Datadog'],
    ['other', 'aws-sdk-python/1.0'],
  ])('%s: %s', (tool, ua) => {
    expect(classifyUserAgent(ua)).toBe(tool);
  });
});

describe('UserAgentClassifier', () => {
  it('shares one entry per distinct user agent', () => {
    const classifier = new UserAgentClassifier();
    const a = classifier.entryOf('aws-cli/2.15.30');
    expect(classifier.entryOf('aws-cli/2.15.30')).toBe(a);
    expect(a).toEqual({ fields: { original: 'aws-cli/2.15.30' }, tool: { tool: 'aws-cli' } });
    expect(Object.isFrozen(a.fields)).toBe(true);
  });

  it('stays bounded', () => {
    const classifier = new UserAgentClassifier(3);
    for (let i = 0; i < 10; i++) classifier.entryOf(`agent/${i}`);
    expect(classifier.entryOf('agent/9').tool.tool).toBe('other');
    expect((classifier as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(3);
  });
});
