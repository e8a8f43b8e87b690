import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { CorruptObjectError, DecodeLimitError } from './errors.js';

/** Anything that yields an object's bytes: an S3 `Body`, a file stream, an async generator. */
export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

export interface DecompressLimits {
  /** Maximum decompressed size of one object (plain objects count too). */
  readonly maxDecompressedBytes: number;
  /** Maximum decompressed/compressed ratio, checked once {@link RATIO_CHECK_AFTER_BYTES} are out. */
  readonly maxCompressionRatio: number;
}

/** Live counters; they keep their values after a failure, to say how far it got. */
export interface DecompressStats {
  /** Whether the object was gzip; undefined until the first bytes arrive. */
  gzip: boolean | undefined;
  /** Bytes read from the source. */
  compressedBytes: number;
  /** Bytes handed on after decompression (equal to compressedBytes for plain JSON). */
  decompressedBytes: number;
}

export interface DecompressOptions {
  /**
   * zlib output chunk size. zlib's 16 KiB default costs about 1.4x in
   * gunzip time on CloudTrail files (more stream turns per byte), so use 256 KiB.
   */
  readonly chunkSize?: number;
}

export const GUNZIP_CHUNK_SIZE = 256 * 1024;

/**
 * The ratio check starts after this much output: tiny objects (a gzip header
 * around `{"Records":[]}`) legitimately have absurd ratios either way, and
 * deferring the check costs at most this much memory and time.
 */
export const RATIO_CHECK_AFTER_BYTES = 1024 * 1024;

export function newDecompressStats(): DecompressStats {
  return { gzip: undefined, compressedBytes: 0, decompressedBytes: 0 };
}

/**
 * Yields the decompressed bytes of an object: gunzipped when it starts with the
 * gzip magic bytes (CloudTrail's own files), passed through otherwise (plain
 * JSON, e.g. copied or re-uploaded logs). Multi-member gzip is read whole.
 *
 * Errors:
 * - limits → {@link DecodeLimitError} `decompressed-too-large` / `compression-ratio-exceeded`;
 * - a damaged gzip stream → {@link CorruptObjectError} `corrupt-gzip`;
 * - an error thrown by the source itself (e.g. a network reset while reading
 *   S3) is rethrown as is: it says nothing about the object, and the caller
 *   decides whether it is retryable.
 *
 * Reads the source only as fast as the output is consumed. Ending the
 * iteration early (break, throw) destroys the source and zlib.
 */
export async function* decompress(
  source: ByteSource,
  limits: DecompressLimits,
  stats: DecompressStats = newDecompressStats(),
  options: DecompressOptions = {},
): AsyncGenerator<Buffer, void, undefined> {
  checkLimits(limits);
  const input = (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  try {
    // The magic bytes may arrive split across chunks.
    const head: Buffer[] = [];
    let headLength = 0;
    while (headLength < 2) {
      const next = await input.next();
      if (next.done === true) break;
      const chunk = asBuffer(next.value);
      stats.compressedBytes += chunk.length;
      head.push(chunk);
      headLength += chunk.length;
    }
    const first = head.length === 1 ? head[0]! : Buffer.concat(head, headLength);
    stats.gzip = headLength >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    if (stats.gzip) {
      yield* gunzip(first, input, limits, stats, options.chunkSize ?? GUNZIP_CHUNK_SIZE);
    } else {
      if (first.length > 0) yield passThrough(first, limits, stats);
      for (;;) {
        const next = await input.next();
        if (next.done === true) break;
        const chunk = asBuffer(next.value);
        stats.compressedBytes += chunk.length;
        if (chunk.length > 0) yield passThrough(chunk, limits, stats);
      }
    }
  } finally {
    closeSource(source, input);
  }
}

async function* gunzip(
  first: Buffer,
  input: AsyncIterator<Uint8Array | string>,
  limits: DecompressLimits,
  stats: DecompressStats,
  chunkSize: number,
): AsyncGenerator<Buffer, void, undefined> {
  const zlib = createGunzip({ chunkSize });
  // Source errors are passed into zlib to end it; they are recorded here so
  // they are not mistaken for corrupt gzip data.
  let sourceFailed = false;
  let sourceError: unknown;
  void pump(first, input, zlib, stats).catch((error: unknown) => {
    sourceFailed = true;
    sourceError = error;
    zlib.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  const output = new BufferedReader(zlib);
  try {
    for (;;) {
      let chunk: Buffer | null;
      try {
        chunk = await output.next();
      } catch (error) {
        if (sourceFailed) throw sourceError;
        throw new CorruptObjectError(
          'corrupt-gzip',
          `Corrupt gzip data after ${stats.compressedBytes} compressed bytes (${stats.decompressedBytes} decompressed): ${(error as Error).message}`,
          {
            compressedOffset: stats.compressedBytes,
            offset: stats.decompressedBytes,
            zlibCode: (error as { code?: string }).code,
          },
          { cause: error },
        );
      }
      if (chunk === null) return;
      stats.decompressedBytes += chunk.length;
      checkOutput(limits, stats);
      yield chunk;
    }
  } finally {
    output.close();
    zlib.destroy();
  }
}

/**
 * Writes the source into zlib as fast as zlib takes it: the write/drain
 * handshake is what stops reading the source while the consumer is not
 * pulling. Rejects only with an error from the source.
 */
async function pump(first: Buffer, input: AsyncIterator<Uint8Array | string>, zlib: Gunzip, stats: DecompressStats): Promise<void> {
  const closed = new Promise<void>((resolve) => zlib.once('close', resolve));
  let lastWritten: Promise<void> = Promise.resolve();
  const write = async (chunk: Buffer): Promise<void> => {
    let more = true;
    lastWritten = new Promise<void>((resolve) => {
      more = zlib.write(chunk, () => resolve());
    });
    if (!more && !zlib.destroyed) await drainedOrClosed(zlib);
  };

  await write(first);
  for (;;) {
    if (zlib.destroyed) return;
    const next = await input.next();
    if (next.done === true) break;
    const chunk = asBuffer(next.value);
    stats.compressedBytes += chunk.length;
    if (zlib.destroyed) return;
    await write(chunk);
  }
  // Node inflates the chunk still queued at end() with Z_FINISH, and when that
  // call fails (a truncated file) its output is dropped with the error: up to a
  // whole chunk's worth of good records. So wait until the last chunk has been
  // inflated, and end with nothing queued.
  await Promise.race([lastWritten, closed]);
  if (!zlib.destroyed) zlib.end();
}

/**
 * Pulls chunks from a readable stream on demand. Unlike the stream's own async
 * iterator, which throws as soon as the stream is destroyed, this first hands
 * out what the stream had buffered before the error: decompressed data that
 * precedes a corrupt point holds good records.
 */
class BufferedReader {
  private failed = false;
  private error: unknown;
  private ended = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly onReadable = (): void => this.notify();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (error: unknown): void => {
    this.failed = true;
    this.error = error;
    this.notify();
  };
  private readonly onClose = (): void => {
    this.closed = true;
    this.notify();
  };

  constructor(private readonly stream: Readable) {
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
  }

  /** The next chunk, or null at the end; throws the stream's error once its buffer is drained. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      // read() still returns buffered data after the stream was destroyed.
      const chunk = this.stream.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (this.failed) throw this.error;
      if (this.ended) return null;
      if (this.closed) throw new Error('stream closed before its end');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  close(): void {
    this.stream.off('readable', this.onReadable);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onClose);
    // The error listener stays: an error after close must not become an uncaught exception.
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * Unlike events.once(), never rejects: a zlib error belongs to the reader,
 * and here it would pass for a source error.
 */
function drainedOrClosed(stream: Gunzip): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function passThrough(chunk: Buffer, limits: DecompressLimits, stats: DecompressStats): Buffer {
  stats.decompressedBytes += chunk.length;
  checkOutput(limits, stats);
  return chunk;
}

/** Runs before a chunk is handed on, so output past a limit is never seen downstream. */
function checkOutput(limits: DecompressLimits, stats: DecompressStats): void {
  const out = stats.decompressedBytes;
  if (out > limits.maxDecompressedBytes) {
    throw new DecodeLimitError(
      'decompressed-too-large',
      `Object is larger than maxDecompressedBytes (${limits.maxDecompressedBytes}) once decompressed`,
      { offset: limits.maxDecompressedBytes, limit: limits.maxDecompressedBytes, compressedBytes: stats.compressedBytes, decompressedBytes: out },
    );
  }
  if (out > RATIO_CHECK_AFTER_BYTES && out > limits.maxCompressionRatio * stats.compressedBytes) {
    const ratio = Math.round(out / stats.compressedBytes);
    throw new DecodeLimitError(
      'compression-ratio-exceeded',
      `Object decompresses ${ratio}x, more than maxCompressionRatio (${limits.maxCompressionRatio}); treated as a decompression bomb`,
      { offset: out, ratio, limit: limits.maxCompressionRatio, compressedBytes: stats.compressedBytes, decompressedBytes: out },
    );
  }
}

function checkLimits(limits: DecompressLimits): void {
  if (!(limits.maxDecompressedBytes > 0)) throw new RangeError('maxDecompressedBytes must be a positive number');
  if (!(limits.maxCompressionRatio > 0)) throw new RangeError('maxCompressionRatio must be a positive number');
}

function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') {
    throw new TypeError('decompress: the source yields strings; read it as bytes (no setEncoding)');
  }
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Releases the source (for S3, its socket) whether it was read to the end or
 * not. A Node stream is destroyed directly, which also settles a read that is
 * still pending; `return()` alone would queue behind that read.
 */
function closeSource(source: ByteSource, input: AsyncIterator<unknown>): void {
  const destroyable = source as { destroy?: unknown; destroyed?: unknown };
  if (typeof destroyable.destroy === 'function' && destroyable.destroyed !== true) {
    (destroyable.destroy as () => void).call(source);
  }
  const ended = input.return?.();
  if (ended !== undefined) ended.catch(() => {});
}
