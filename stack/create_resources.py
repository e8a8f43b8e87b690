#!/usr/bin/env python3
"""Create trailstream's AWS resources on an S3/SQS endpoint (moto), idempotently.

Creates:
  * the CloudTrail log bucket,
  * a dead-letter queue and the main queue (redrive policy: maxReceiveCount),
  * a queue policy that lets S3 send to the main queue,
  * the bucket notification: s3:ObjectCreated:* -> main queue.

Used by `stack/stack.sh up` (moto from .stack/venv on 127.0.0.1) and by the
docker-compose setup (inside the motoserver/moto image, against the moto
container), so it assumes nothing about hosts or paths: everything comes from
arguments or environment variables. Needs only boto3.

Output (stdout) is the queue URLs exactly as the endpoint returned them, as
`export NAME='value'` lines (--format env, the default) or JSON (--format json).
Progress goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

# A developer's real AWS profile must not leak into calls to a local emulator
# (an unknown profile name would even make boto3 fail before sending anything).
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_name, None)

import boto3  # noqa: E402  (after the environment clean-up above)
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, EndpointConnectionError  # noqa: E402

try:  # botocore >= 1.x exposes this; older ones only the parent class
    from botocore.exceptions import ConnectionClosedError  # noqa: E402
except ImportError:  # pragma: no cover
    ConnectionClosedError = EndpointConnectionError  # type: ignore[misc,assignment]


def log(msg: str) -> None:
    print(f"create_resources: {msg}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", default=env("TRAILSTREAM_MOTO_ENDPOINT") or env("AWS_ENDPOINT_URL") or "http://127.0.0.1:5000",
                   help="S3/SQS endpoint URL (env TRAILSTREAM_MOTO_ENDPOINT, then AWS_ENDPOINT_URL)")
    p.add_argument("--region", default=env("TRAILSTREAM_AWS_REGION") or env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1")
    p.add_argument("--bucket", default=env("TRAILSTREAM_BUCKET") or "cloudtrail-logs")
    p.add_argument("--queue", default=env("TRAILSTREAM_QUEUE_NAME") or "trailstream")
    p.add_argument("--dlq", default=env("TRAILSTREAM_DLQ_NAME") or "trailstream-dlq")
    p.add_argument("--max-receive-count", type=int, default=int(env("TRAILSTREAM_MAX_RECEIVE_COUNT") or 5))
    p.add_argument("--access-key-id", default=env("AWS_ACCESS_KEY_ID") or "test")
    p.add_argument("--secret-access-key", default=env("AWS_SECRET_ACCESS_KEY") or "test")
    p.add_argument("--wait", type=float, default=float(env("TRAILSTREAM_ENDPOINT_WAIT") or 60),
                   help="seconds to wait for the endpoint to answer (default 60)")
    p.add_argument("--format", choices=("env", "json"), default="env")
    return p.parse_args(argv)


def clients(a: argparse.Namespace):
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"},
                 connect_timeout=5, read_timeout=30)
    kw = dict(endpoint_url=a.endpoint, region_name=a.region, aws_access_key_id=a.access_key_id,
              aws_secret_access_key=a.secret_access_key, config=cfg)
    return boto3.client("s3", **kw), boto3.client("sqs", **kw)


def wait_for_endpoint(s3, endpoint: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            s3.list_buckets()
            return
        except (EndpointConnectionError, ConnectionClosedError) as e:
            if time.monotonic() >= deadline:
                raise SystemExit(f"create_resources: endpoint {endpoint} did not answer within {seconds:.0f}s: {e}")
            time.sleep(0.5)


def ensure_bucket(s3, bucket: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
        log(f"bucket {bucket} exists")
        return
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kw = {"Bucket": bucket}
    if region != "us-east-1":
        kw["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**kw)
        log(f"bucket {bucket} created")
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise


def ensure_queue(sqs, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    """Create the queue if missing, then (re)apply the attributes. Returns (url, arn)."""
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        log(f"queue {name} exists")
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        log(f"queue {name} created")
    if attributes:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def queue_policy(queue_arn: str, bucket: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowS3ToSend",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:*:*:{bucket}"}},
        }],
    })


def ensure_notification(s3, bucket: str, queue_arn: str) -> None:
    wanted = [{"Id": "trailstream-object-created", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]
    current = s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations", [])
    norm = lambda cs: sorted((c.get("QueueArn"), tuple(sorted(c.get("Events", []))), json.dumps(c.get("Filter"), sort_keys=True)) for c in cs)  # noqa: E731
    if norm(current) == norm(wanted):
        log(f"bucket {bucket} notification -> {queue_arn} is in place")
        return
    # Only written when it differs: S3 (and moto) post an s3:TestEvent message to
    # the queue each time the configuration is written.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": wanted})
    log(f"bucket {bucket} notification s3:ObjectCreated:* -> {queue_arn} configured")


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    s3, sqs = clients(a)
    wait_for_endpoint(s3, a.endpoint, a.wait)
    ensure_bucket(s3, a.bucket, a.region)
    dlq_url, dlq_arn = ensure_queue(sqs, a.dlq, {})
    # Create the main queue first without the policy (its ARN is needed for it).
    queue_url, queue_arn = ensure_queue(sqs, a.queue, {
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": a.max_receive_count}),
    })
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": queue_policy(queue_arn, a.bucket)})
    ensure_notification(s3, a.bucket, queue_arn)

    out = {
        "TRAILSTREAM_BUCKET": a.bucket,
        "TRAILSTREAM_QUEUE_URL": queue_url,
        "TRAILSTREAM_QUEUE_ARN": queue_arn,
        "TRAILSTREAM_DLQ_URL": dlq_url,
        "TRAILSTREAM_DLQ_ARN": dlq_arn,
    }
    if a.format == "json":
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"export {k}='{v}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
