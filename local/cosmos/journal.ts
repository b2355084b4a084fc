// Append-only JSON-lines write-ahead journal with group commit.
//
// Every record is one line of JSON. `append()` resolves only once the line is on disk
// (write + fdatasync); appends made while a flush is in progress are batched into the next
// single write + fdatasync. A torn or unparsable last line is an unacknowledged write and is
// dropped on load; an unparsable line anywhere else is corruption and stops the load.
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CorruptDataError } from '../errors';

/** Thrown for a journal that cannot be trusted; its message is one line naming the file and line and what to do. */
export { CorruptDataError };

export interface LoadJournalOptions {
  /** Decides whether a parsed line is a valid record; an invalid line counts as unparsable. */
  validate?: (record: unknown) => boolean;
  /** Receives one-line notices (e.g. a dropped torn tail). */
  log?: (line: string) => void;
}

export interface LoadedJournal<T> {
  records: T[];
  /** Bytes removed from the end of the file (torn or unparsable last line); 0 when the file was clean. */
  droppedTailBytes: number;
}

/**
 * Reads every record of the journal at `file` (a missing file is an empty journal).
 * Truncates a torn/unparsable last line in place; throws CorruptDataError for an unparsable line
 * before the last one.
 */
export async function loadJournal<T = unknown>(file: string, opts: LoadJournalOptions = {}): Promise<LoadedJournal<T>> {
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], droppedTailBytes: 0 };
    throw error;
  }
  const validate = opts.validate ?? (() => true);
  const records: T[] = [];
  let offset = 0; // start of the line being examined
  let lineNo = 0;
  while (offset < data.length) {
    lineNo += 1;
    const newline = data.indexOf(0x0a, offset);
    const end = newline === -1 ? data.length : newline;
    const next = newline === -1 ? data.length : newline + 1;
    const record = parseLine(data.subarray(offset, end), validate);
    const complete = newline !== -1;
    const isLast = next >= data.length;
    if (record.ok && complete) {
      records.push(record.value as T);
      offset = next;
      continue;
    }
    if (isLast) {
      // Crash in the middle of a write: this record was never acknowledged. Drop it.
      const dropped = data.length - offset;
      await truncateDurably(file, offset);
      opts.log?.(
        `journal ${file}: dropped a torn last line (line ${lineNo}, ${dropped} bytes) left by an interrupted write`
      );
      return { records, droppedTailBytes: dropped };
    }
    throw new CorruptDataError(
      file,
      `line ${lineNo} is not a valid journal record (only a torn last line is repaired automatically)`
    );
  }
  return { records, droppedTailBytes: 0 };
}

function parseLine(line: Buffer, validate: (record: unknown) => boolean): { ok: true; value: unknown } | { ok: false } {
  if (line.length === 0) return { ok: false };
  try {
    const value: unknown = JSON.parse(line.toString('utf8'));
    return validate(value) ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}

async function truncateDurably(file: string, length: number): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.truncate(length);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so that a created/renamed entry in it survives a crash (no-op where unsupported). */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await fh?.close();
  }
}

/**
 * Atomically replaces the journal with `records`: writes `<name>.tmp` next to it, fsyncs it,
 * renames it over the journal and fsyncs the directory. A crash leaves either the old or the new file.
 */
export async function writeJournalAtomic(file: string, records: readonly unknown[]): Promise<void> {
  const tmp = join(dirname(file), `${basename(file, '.jsonl')}.tmp`);
  const fh = await fsp.open(tmp, 'w', 0o600);
  try {
    const chunks: string[] = [];
    let size = 0;
    for (const record of records) {
      const line = `${JSON.stringify(record)}\n`;
      chunks.push(line);
      size += line.length;
      if (size >= 1 << 20) {
        await writeAll(fh, Buffer.from(chunks.join(''), 'utf8'));
        chunks.length = 0;
        size = 0;
      }
    }
    if (chunks.length) await writeAll(fh, Buffer.from(chunks.join(''), 'utf8'));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  await fsyncDir(dirname(file));
}

async function writeAll(fh: FileHandle, buffer: Buffer): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await fh.write(buffer, written, buffer.length - written, null);
    written += bytesWritten;
  }
}

export interface JournalOptions {
  /**
   * Called once when a write or fdatasync fails. The in-memory state has then got ahead of the
   * journal, so the default prints one line to stderr and exits the process with status 1.
   * Pending and later appends are rejected.
   */
  onFatal?: (error: Error) => void;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** An open journal for appending. Create with `Journal.open`. */
export class Journal {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Number of write + fdatasync rounds performed (for tests and diagnostics). */
  syncCount = 0;

  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    private readonly onFatal: (error: Error) => void
  ) {}

  /** Opens (creating if needed) `file` for appending. */
  static async open(file: string, opts: JournalOptions = {}): Promise<Journal> {
    const fh = await fsp.open(file, 'a', 0o600);
    try {
      // Make the file's creation durable (EINVAL: a file type that cannot be synced, e.g. a device).
      await fh.sync().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EINVAL') throw error;
      });
      await fsyncDir(dirname(file));
    } catch (error) {
      await fh.close();
      throw error;
    }
    const onFatal =
      opts.onFatal ??
      ((error: Error) => {
        process.stderr.write(
          `journal write to ${file} failed (${oneLine(error.message)}); exiting so the unjournaled in-memory state is discarded\n`
        );
        process.exit(1);
      });
    return new Journal(file, fh, onFatal);
  }

  /** Queues `record`; resolves once it (and everything queued before it) is durably on disk. */
  append(record: unknown): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`journal ${this.file} is closed`));
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** Resolves when everything appended so far is on disk. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }

  /** Flushes pending appends and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } catch {
      // already reported through onFatal
    }
    await this.fh.close();
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await writeAll(this.fh, Buffer.from(batch.map((p) => p.line).join(''), 'utf8'));
          await this.fh.datasync();
          this.syncCount += 1;
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          this.failure = failure;
          const rejected = batch.concat(this.pending);
          this.pending = [];
          for (const p of rejected) p.reject(failure);
          this.onFatal(failure);
          return;
        }
        for (const p of batch) p.resolve();
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
