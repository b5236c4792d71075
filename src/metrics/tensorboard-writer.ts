/**
 * Scalar summaries in TensorBoard's event-file format, written without TensorFlow.
 *
 * An event file is a sequence of TFRecords, each holding one serialized `tensorflow.Event` protobuf. A TFRecord is
 * `uint64 length | uint32 maskedCrc32c(length) | data | uint32 maskedCrc32c(data)`, all little-endian. The first
 * event carries `file_version = "brain.Event:2"`; every later one carries `wall_time`, `step` and a `Summary` whose
 * values are `{ tag, simple_value }` pairs, which TensorBoard shows in its Scalars dashboard.
 *
 * Node's file-system modules are imported when a writer is created, not when this module loads, so the package root
 * stays importable where they do not exist.
 */
import type { FileHandle } from 'node:fs/promises';
import { encodeFileVersionEvent, encodeScalarEvent, encodeSessionStartEvent, frameRecord } from './tf-event.js';
import { MetricsError } from './errors.js';

/**
 * Options of {@link TensorBoardWriter.create}.
 * @category Metrics
 */
export interface TensorBoardWriterOptions {
  /**
   * Buffered events are written to disk at least this often, in milliseconds, by a timer that does not keep the
   * process alive. `0` turns the timer off (events are then written on {@link TensorBoardWriter.flush},
   * {@link TensorBoardWriter.close} and when the buffer is full).
   *
   * @defaultValue 10000
   */
  readonly flushIntervalMs?: number;
  /**
   * A write starts in the background as soon as this many bytes of events are buffered.
   *
   * @defaultValue 1048576 (1 MiB)
   */
  readonly maxBufferedBytes?: number;
  /**
   * Appended to the file name, after `events.out.tfevents.<unix-seconds>.<hostname>` (e.g. `'.learner'`).
   * TensorBoard reads every file whose name contains `tfevents`.
   *
   * @defaultValue `''`
   */
  readonly filenameSuffix?: string;
}

const DEFAULT_FLUSH_INTERVAL_MS = 10_000;
const DEFAULT_MAX_BUFFERED_BYTES = 1 << 20;

/**
 * Writes scalar metrics to a TensorBoard event file in `logDir` (`tensorboard --logdir <parent of logDir>` shows
 * them, one run per directory).
 *
 * `addScalar` and `addScalars` only encode and buffer; the buffer is appended to the file on {@link flush},
 * {@link close}, every {@link TensorBoardWriterOptions.flushIntervalMs} and when it reaches
 * {@link TensorBoardWriterOptions.maxBufferedBytes}. Each flush appends whole records and then `fdatasync`s, so
 * whatever was flushed survives a crash of the process; a crash loses only what was still buffered. Values are
 * stored as float32 (`simple_value`), about 7 significant digits: put large counters such as frames in `step`.
 *
 * @example
 * ```ts
 * const tb = await TensorBoardWriter.create('runs/cartpole-seed0');
 * tb.addScalar('episode/return', 21, 1000);
 * tb.addScalars({ 'loss/total': 0.5, 'loss/baseline': 0.2 }, 1000);
 * await tb.close();
 * ```
 * @category Metrics
 */
export class TensorBoardWriter {
  /** The directory the event file is in. */
  readonly logDir: string;
  /** The event file's full path (`<logDir>/events.out.tfevents.<unix-seconds>.<hostname><suffix>`). */
  readonly path: string;

  private readonly handle: FileHandle;
  private readonly maxBufferedBytes: number;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private buffer: Uint8Array[] = [];
  private bufferedBytes = 0;
  /** Every write is chained on this promise, so records reach the file in order and never interleave. */
  private writing: Promise<void> = Promise.resolve();
  /** The first error of a background write, reported by the next `flush` or `close`. */
  private failure: { readonly error: unknown } | undefined;
  private isClosed = false;

  private constructor(logDir: string, path: string, handle: FileHandle, options: TensorBoardWriterOptions) {
    this.logDir = logDir;
    this.path = path;
    this.handle = handle;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const interval = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.flushInBackground();
      }, interval);
      this.timer.unref();
    }
  }

  /**
   * Creates `logDir` (recursively) and a new event file in it, and writes the file-version record to disk.
   *
   * The file name is `events.out.tfevents.<unix-seconds>.<hostname>` plus `filenameSuffix`; when a file of that name
   * already exists (two writers in the same second), `.1`, `.2`, … is appended. Existing files are never touched.
   *
   * @param logDir - The run directory, e.g. `runs/cartpole-seed0`.
   * @param options - Flush policy and file-name suffix; see {@link TensorBoardWriterOptions}.
   * @returns The open writer; call {@link TensorBoardWriter.close} when done.
   */
  static async create(logDir: string, options: TensorBoardWriterOptions = {}): Promise<TensorBoardWriter> {
    if (typeof logDir !== 'string' || logDir === '') {
      throw new MetricsError(`TensorBoardWriter.create: logDir must be a non-empty string, got ${JSON.stringify(logDir)}`);
    }
    const { flushIntervalMs, maxBufferedBytes, filenameSuffix = '' } = options;
    if (flushIntervalMs !== undefined && !(Number.isFinite(flushIntervalMs) && flushIntervalMs >= 0)) {
      throw new MetricsError(`TensorBoardWriter.create: flushIntervalMs must be a finite number >= 0, got ${flushIntervalMs}`);
    }
    if (maxBufferedBytes !== undefined && !(Number.isFinite(maxBufferedBytes) && maxBufferedBytes >= 0)) {
      throw new MetricsError(`TensorBoardWriter.create: maxBufferedBytes must be a finite number >= 0, got ${maxBufferedBytes}`);
    }
    if (filenameSuffix.includes('/') || filenameSuffix.includes('\\')) {
      throw new MetricsError(`TensorBoardWriter.create: filenameSuffix must not contain a path separator, got '${filenameSuffix}'`);
    }
    const [{ mkdir, open }, { hostname }, nodePath] = await Promise.all([
      import('node:fs/promises'),
      import('node:os'),
      import('node:path'),
    ]);
    await mkdir(logDir, { recursive: true });
    const base = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}${filenameSuffix}`;
    for (let attempt = 0; ; attempt++) {
      const path = nodePath.join(logDir, attempt === 0 ? base : `${base}.${attempt}`);
      let handle: FileHandle;
      try {
        handle = await open(path, 'ax'); // append-only, and fail rather than reuse an existing file
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 1000) continue;
        throw error;
      }
      const writer = new TensorBoardWriter(logDir, path, handle, options);
      writer.enqueue(encodeFileVersionEvent(Date.now() / 1000));
      try {
        await writer.flush();
      } catch (error) {
        await writer.close().catch(() => undefined);
        throw error;
      }
      return writer;
    }
  }

  /** True once {@link close} has been called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Buffers one scalar as its own event.
   *
   * @param tag - The chart name, e.g. `'loss/total'`; `/` groups charts in TensorBoard.
   * @param value - The value (stored as float32; NaN and ±Infinity are kept as such).
   * @param step - The x coordinate, a safe integer (frames or updates).
   * @param wallTime - Seconds since the Unix epoch; defaults to now (`Date.now() / 1000`).
   */
  addScalar(tag: string, value: number, step: number, wallTime: number = Date.now() / 1000): void {
    this.addEvent('addScalar', [[tag, value]], step, wallTime);
  }

  /**
   * Buffers several scalars that share a step as one event (one `Summary` with a value per entry, in the record's
   * key order). An empty record writes nothing.
   *
   * @param record - Tag → value, e.g. `{ 'loss/total': 0.5, 'lr': 6e-4 }`.
   * @param step - The x coordinate, a safe integer (frames or updates).
   * @param wallTime - Seconds since the Unix epoch; defaults to now (`Date.now() / 1000`).
   */
  addScalars(record: Readonly<Record<string, number>>, step: number, wallTime: number = Date.now() / 1000): void {
    this.addEvent('addScalars', Object.entries(record), step, wallTime);
  }

  /**
   * Buffers a `SessionLog START` event at `step`: written when a run restarts from a checkpoint, it makes
   * TensorBoard drop the events of steps `>= step` written before the restart (rows a crashed session wrote after
   * its last checkpoint), so curves show no duplicates and no backward jumps.
   *
   * @param step - The first step of the restarted session (a safe integer >= 0).
   * @param message - Shown nowhere by TensorBoard, kept in the file (e.g. the checkpoint resumed from).
   * @param wallTime - Seconds since the Unix epoch; defaults to now.
   */
  addSessionStart(step: number, message = '', wallTime: number = Date.now() / 1000): void {
    if (this.isClosed) throw new MetricsError(`TensorBoardWriter.addSessionStart: the writer is closed (${this.path})`);
    if (!Number.isSafeInteger(step) || step < 0) throw new MetricsError(`TensorBoardWriter.addSessionStart: step must be a safe integer >= 0, got ${step}`);
    this.enqueue(encodeSessionStartEvent(step, wallTime, message));
  }

  /**
   * Appends every buffered event to the file and syncs it to disk.
   *
   * @returns A promise that settles when the data is on disk; it rejects with the error of a failed write (including
   * a failed background write since the last flush).
   */
  async flush(): Promise<void> {
    this.startWrite();
    await this.writing;
    this.throwFailure();
  }

  /**
   * Flushes, stops the timer and closes the file. Idempotent; later `add*` calls throw.
   *
   * @returns A promise that settles once the file is closed; it rejects if the final write failed (the file is closed
   * all the same).
   */
  async close(): Promise<void> {
    if (this.isClosed) {
      await this.writing;
      return;
    }
    this.isClosed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.startWrite();
    this.writing = this.writing.then(() => this.handle.close());
    await this.writing;
    this.throwFailure();
  }

  private addEvent(caller: string, entries: readonly (readonly [string, number])[], step: number, wallTime: number): void {
    const where = `TensorBoardWriter.${caller}`;
    if (this.isClosed) throw new MetricsError(`${where}: the writer is closed (${this.path})`);
    if (!Number.isSafeInteger(step)) throw new MetricsError(`${where}: step must be a safe integer, got ${step}`);
    if (typeof wallTime !== 'number' || !Number.isFinite(wallTime)) {
      throw new MetricsError(`${where}: wallTime must be a finite number of seconds, got ${String(wallTime)}`);
    }
    if (entries.length === 0) return;
    for (const [tag, value] of entries) {
      if (typeof tag !== 'string' || tag === '') throw new MetricsError(`${where}: tag must be a non-empty string, got ${JSON.stringify(tag)}`);
      if (typeof value !== 'number') {
        throw new MetricsError(`${where}: value of '${tag}' must be a number, got ${typeof value}`);
      }
    }
    this.enqueue(encodeScalarEvent(entries, step, wallTime));
    if (this.bufferedBytes >= this.maxBufferedBytes) this.flushInBackground();
  }

  private enqueue(event: Uint8Array): void {
    const record = frameRecord(event);
    this.buffer.push(record);
    this.bufferedBytes += record.length;
  }

  private flushInBackground(): void {
    if (this.bufferedBytes > 0 && this.failure === undefined) this.startWrite();
  }

  /** Moves the buffer onto the write chain. The chain itself never rejects: errors are kept in `failure`. */
  private startWrite(): void {
    if (this.bufferedBytes === 0) return;
    const data = new Uint8Array(this.bufferedBytes);
    let offset = 0;
    for (const record of this.buffer) {
      data.set(record, offset);
      offset += record.length;
    }
    this.buffer = [];
    this.bufferedBytes = 0;
    this.writing = this.writing.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await this.handle.appendFile(data);
        await this.handle.datasync();
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  private throwFailure(): void {
    if (this.failure !== undefined) {
      const { error } = this.failure;
      throw new MetricsError(`TensorBoardWriter: writing ${this.path} failed: ${String(error)}`, { cause: error });
    }
  }
}
