import { NonRetryableError, RetryableError } from '../../../src/errors.js';
import { ObjectAck } from '../../../src/pipeline/object-ack.js';

const transient = (n: number) => new RetryableError('bulk-retries-exhausted', `down ${n}`, {});
const permanent = (n: number) => new NonRetryableError('dead-letter-refused', `refused ${n}`, {});

describe('ObjectAck', () => {
  it('resolves only once sealed and every expected document is settled or failed', async () => {
    const ack = new ObjectAck();
    let resolved = false;
    void ack.done.then(() => (resolved = true));
    ack.expect();
    ack.expect();
    ack.expect();
    ack.settle('indexed');
    ack.settle('dead-lettered');
    await Promise.resolve();
    expect(resolved).toBe(false);
    expect(ack.outstanding).toBe(1);
    ack.settle('indexed');
    await Promise.resolve();
    expect(resolved).toBe(false); // not sealed yet: more records may come
    ack.seal();
    await expect(ack.done).resolves.toEqual({ indexed: 2, deadLettered: 1, failure: undefined });
  });

  it('resolves at once when sealed with nothing pending, and refuses expect() after seal()', async () => {
    const ack = new ObjectAck();
    ack.seal();
    await expect(ack.done).resolves.toEqual({ indexed: 0, deadLettered: 0, failure: undefined });
    expect(() => ack.expect()).toThrow(/after seal/);
  });

  it.each([
    ['transient then permanent', [transient(1), permanent(2)], 'down 1'],
    ['permanent then transient', [permanent(1), transient(2)], 'down 2'],
    ['permanent, transient, transient', [permanent(1), transient(2), transient(3)], 'down 2'],
    ['permanent only', [permanent(1), permanent(2)], 'refused 1'],
    ['transient only', [transient(1), transient(2)], 'down 1'],
  ])('mixed failures (%s): a transient one wins, else the first', async (_label, failures, message) => {
    const ack = new ObjectAck();
    for (let k = 0; k <= failures.length; k++) ack.expect();
    ack.settle('indexed');
    for (const f of failures) ack.fail(f);
    ack.seal();
    const result = await ack.done;
    expect(result.failure?.message).toBe(message);
    expect(result.indexed).toBe(1);
  });
});
