import { createHash, createHmac } from 'node:crypto';
import { stackEnv } from './local-stack.js';

/**
 * Just enough of SNS and EventBridge for the notification tests, against moto.
 * The project has no SNS or EventBridge SDK client (the worker never calls
 * them), so requests are built and SigV4-signed here with node:crypto; moto
 * routes a request to a service by the credential scope of its signature.
 */

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

async function signedPost(service: string, body: string, headers: Record<string, string>): Promise<string> {
  const env = stackEnv();
  const endpoint = new URL(env.AWS_ENDPOINT_URL!);
  const region = env.AWS_REGION!;
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const all: Record<string, string> = { ...headers, host: endpoint.host, 'x-amz-date': amzDate };
  const names = Object.keys(all).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const canonical = ['POST', '/', '', ...names.map((h) => `${h}:${lower[h]}`), '', names.join(';'), sha256(body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${env.AWS_SECRET_ACCESS_KEY}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  const response = await fetch(endpoint.origin + '/', { method: 'POST', headers: { ...all, authorization }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} call failed (${response.status}): ${text.slice(0, 500)}`);
  return text;
}

/** An SNS (query protocol) action; returns the XML response. */
export async function sns(action: string, params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2010-03-31', ...params }).toString();
  return signedPost('sns', body, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
}

/** An EventBridge (JSON 1.1 protocol) action; returns the parsed response. */
export async function events(action: string, params: Record<string, unknown>): Promise<unknown> {
  const text = await signedPost('events', JSON.stringify(params), {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AWSEvents.${action}`,
  });
  return text ? (JSON.parse(text) as unknown) : {};
}

function xmlValue(xml: string, tag: string): string {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!m?.[1]) throw new Error(`no <${tag}> in ${xml.slice(0, 300)}`);
  return m[1];
}

export async function createTopic(name: string): Promise<string> {
  return xmlValue(await sns('CreateTopic', { Name: name }), 'TopicArn');
}

/** Subscribes an SQS queue to a topic, with raw message delivery on or off. */
export async function subscribeQueue(topicArn: string, queueArn: string, rawMessageDelivery: boolean): Promise<string> {
  const xml = await sns('Subscribe', {
    TopicArn: topicArn,
    Protocol: 'sqs',
    Endpoint: queueArn,
    ReturnSubscriptionArn: 'true',
    'Attributes.entry.1.key': 'RawMessageDelivery',
    'Attributes.entry.1.value': String(rawMessageDelivery),
  });
  return xmlValue(xml, 'SubscriptionArn');
}

export async function publish(topicArn: string, message: string): Promise<void> {
  await sns('Publish', { TopicArn: topicArn, Message: message });
}

/** An EventBridge rule on the default bus that sends S3 "Object Created" events of `bucket` to a queue. */
export async function routeObjectCreatedToQueue(ruleName: string, bucket: string, queueArn: string): Promise<void> {
  await events('PutRule', {
    Name: ruleName,
    EventPattern: JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [bucket] } } }),
    State: 'ENABLED',
  });
  await events('PutTargets', { Rule: ruleName, Targets: [{ Id: 'trailstream-queue', Arn: queueArn }] });
}
