import { NonRetryableError, RetryableError, SkipSignal } from '../../../src/errors.js';
import { decideMessage } from '../../../src/pipeline/process-message.js';
import type { ObjectResult } from '../../../src/pipeline/process-object.js';

const base = { bucket: 'b', records: 1, indexed: 1, deadLettered: 0, compressedBytes: 1, decompressedBytes: 1 };
const done = (key: string): ObjectResult => ({ ...base, key, outcome: 'done' });
const skipped = (key: string): ObjectResult => ({ ...base, key, outcome: 'skipped', error: new SkipSignal('digest-file', 'digest', {}) });
const transient = (key: string): ObjectResult => ({ ...base, key, outcome: 'failed', error: new RetryableError('s3-stream-error', 'reset', {}) });
const permanent = (key: string): ObjectResult => ({ ...base, key, outcome: 'failed', error: new NonRetryableError('corrupt-gzip', 'bad', {}) });

describe('decideMessage (the acknowledgement rule over a message\'s objects)', () => {
  it('deletes when every object is done or deliberately skipped', () => {
    expect(decideMessage([done('a'), skipped('b')])).toEqual({ action: 'delete', reason: 'processed' });
    expect(decideMessage([])).toEqual({ action: 'delete', reason: 'processed' });
  });

  it('dead-letters a permanent failure, naming the first failed object', () => {
    const d = decideMessage([done('a'), permanent('b'), permanent('c')]);
    expect(d).toMatchObject({ action: 'dead-letter', object: 's3://b/b' });
  });

  it.each([
    ['before', [transient('t'), permanent('p')]],
    ['after', [permanent('p'), done('d'), transient('t')]],
  ])('retries when a transient failure comes %s a permanent one: recoverable data never goes to the DLQ', (_label, results) => {
    const d = decideMessage(results);
    expect(d).toMatchObject({ action: 'retry', object: 's3://b/t' });
    expect(d.action === 'retry' && d.error.code).toBe('s3-stream-error');
  });
});
