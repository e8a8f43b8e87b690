import { classifyKey } from '../../../src/model/object-key.js';
import { deliveredCorpus } from './helpers.js';

describe('classifyKey', () => {
  it('reads a CloudTrail log key', () => {
    expect(classifyKey('AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json.gz')).toEqual({
      kind: 'log',
      account: '218007301253',
      region: 'us-east-1',
      date: '2023-07-10',
      organizationId: undefined,
      prefix: '',
      fileName: '218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json.gz',
    });
  });

  it('reads an organization trail key under a user prefix', () => {
    expect(classifyKey('security/trails/AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/us-gov-west-1/2024/02/29/f.json.gz')).toEqual({
      kind: 'log',
      account: '111122223333',
      region: 'us-gov-west-1',
      date: '2024-02-29',
      organizationId: 'o-a1b2c3d4e5',
      prefix: 'security/trails',
      fileName: 'f.json.gz',
    });
  });

  it('recognises digest and insight files', () => {
    expect(
      classifyKey('AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/01/31/111122223333_CloudTrail-Digest_eu-west-1_trail_us-east-1_20240131T000000Z.json.gz').kind,
    ).toBe('digest');
    expect(classifyKey('p/AWSLogs/111122223333/CloudTrail-Insight/ap-southeast-2/2024/01/31/111122223333_CloudTrail-Insight_ap-southeast-2_20240131T0000Z_abc.json.gz').kind).toBe('insight');
  });

  it('classifies every delivered corpus file name as a log when placed in the CloudTrail layout', () => {
    for (const file of deliveredCorpus()) {
      const [account, , region, stamp] = file.name.split('_') as [string, string, string, string];
      const key = `AWSLogs/${account}/CloudTrail/${region}/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${file.name}`;
      expect(classifyKey(key)).toMatchObject({ kind: 'log', account, region, date: '2023-07-10' });
    }
  });

  it.each([
    '',
    'AWSLogs/',
    'random/file.json.gz',
    'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/31/',
    'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/31/sub/f.json.gz',
    'AWSLogs/11112222333/CloudTrail/us-east-1/2024/01/31/f.json.gz',
    'AWSLogs/111122223333/CloudTrail/us-east-1/2024/13/01/f.json.gz',
    'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/00/f.json.gz',
    'AWSLogs/111122223333/CloudTrail/US-EAST-1/2024/01/31/f.json.gz',
    'AWSLogs/111122223333/Config/us-east-1/2024/01/31/f.json.gz',
    'AWSLogs/111122223333/elasticloadbalancing/us-east-1/2024/01/31/f.log.gz',
    'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/01/31/f.log.gz',
    'AWSLogs/o-short/111122223333/CloudTrail/us-east-1/2024/01/31/f.json.gz',
    'XAWSLogs/111122223333/CloudTrail/us-east-1/2024/01/31/f.json.gz',
  ])('treats %j as other', (key) => {
    expect(classifyKey(key)).toEqual({ kind: 'other' });
  });
});
