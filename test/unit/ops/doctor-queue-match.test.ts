import { sameQueue } from '../../../src/ops/doctor/aws-checks.js';

describe('doctor: does the queue redrive to TRAILSTREAM_DLQ_URL?', () => {
  it('matches an ARN and a URL of the same account and queue name, on AWS and on an emulator', () => {
    expect(sameQueue('arn:aws:sqs:eu-west-1:123456789012:trail-dlq', 'https://sqs.eu-west-1.amazonaws.com/123456789012/trail-dlq')).toBe(true);
    expect(sameQueue('arn:aws:sqs:us-east-1:123456789012:trailstream-dlq', 'http://127.0.0.1:5000/123456789012/trailstream-dlq')).toBe(true);
    expect(sameQueue('arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q.fifo', 'https://sqs.us-gov-west-1.amazonaws.com/123456789012/q.fifo')).toBe(true);
  });

  it('tells apart another name, another account, and things that are not a queue ARN or URL', () => {
    expect(sameQueue('arn:aws:sqs:eu-west-1:123456789012:trail-dlq', 'https://sqs.eu-west-1.amazonaws.com/123456789012/other-dlq')).toBe(false);
    expect(sameQueue('arn:aws:sqs:eu-west-1:123456789012:trail-dlq', 'https://sqs.eu-west-1.amazonaws.com/210987654321/trail-dlq')).toBe(false);
    expect(sameQueue('arn:aws:sns:eu-west-1:123456789012:trail-dlq', 'https://sqs.eu-west-1.amazonaws.com/123456789012/trail-dlq')).toBe(false);
    expect(sameQueue('arn:aws:sqs:eu-west-1:123456789012:trail-dlq', 'not a url')).toBe(false);
    expect(sameQueue('arn:aws:sqs:eu-west-1:123456789012:trail-dlq', 'https://sqs.eu-west-1.amazonaws.com/trail-dlq')).toBe(false);
  });
});
