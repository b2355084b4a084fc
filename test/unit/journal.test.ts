import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptDataError, Journal, loadJournal, writeJournalAtomic } from '../../local/cosmos/journal';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-test-'));
  file = join(dir, 'journal.jsonl');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lines = (records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('Journal append', () => {
  it('batches concurrent appends into one write + fdatasync and keeps their order', async () => {
    const journal = await Journal.open(file);
    const appends = Array.from({ length: 100 }, (_, i) => journal.append({ i }));
    await Promise.all(appends);
    // The first append starts a flush on its own; the other 99, queued while it was in flight,
    // go out together in the second one.
    expect(journal.syncCount).toBe(2);
    await journal.close();
    const { records } = await loadJournal<{ i: number }>(file);
    expect(records.map((r) => r.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('resolves append only once the record is in the file', async () => {
    const journal = await Journal.open(file);
    await journal.append({ a: 1 });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    await journal.append({ b: 2 });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
    await journal.close();
    await expect(journal.append({ c: 3 })).rejects.toThrow(/closed/);
  });

  it('appends after the existing content when reopened', async () => {
    writeFileSync(file, lines([{ a: 1 }]));
    const journal = await Journal.open(file);
    await journal.append({ b: 2 });
    await journal.close();
    expect((await loadJournal(file)).records).toEqual([{ a: 1 }, { b: 2 }]);
  });

  const devFull = existsSync('/dev/full') ? it : it.skip;

  devFull('reports a failed write through onFatal and rejects the append', async () => {
    const onFatal = jest.fn();
    const journal = await Journal.open('/dev/full', { onFatal });
    await expect(journal.append({ a: 1 })).rejects.toThrow(/ENOSPC|no space/i);
    expect(onFatal).toHaveBeenCalledTimes(1);
    await expect(journal.append({ b: 2 })).rejects.toThrow();
    await journal.close();
  });

  devFull('exits the process with status 1 by default when a write fails', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const journal = await Journal.open('/dev/full');
      await expect(journal.append({ a: 1 })).rejects.toThrow();
      expect(exit).toHaveBeenCalledWith(1);
      const written = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(written).toMatch(/^journal write to \/dev\/full failed .*\n$/);
      expect(written.trimEnd().split('\n')).toHaveLength(1);
      await journal.close();
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });
});

describe('loadJournal', () => {
  it('treats a missing file as empty', async () => {
    expect(await loadJournal(file)).toEqual({ records: [], droppedTailBytes: 0 });
  });

  it('drops a torn last line (no newline) and truncates the file', async () => {
    const good = lines([{ a: 1 }, { b: 2 }]);
    writeFileSync(file, `${good}{"c":`);
    const log = jest.fn();
    const loaded = await loadJournal(file, { log });
    expect(loaded.records).toEqual([{ a: 1 }, { b: 2 }]);
    expect(loaded.droppedTailBytes).toBe(5);
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('line 3'));
    // Appending continues on a clean line boundary.
    const journal = await Journal.open(file);
    await journal.append({ c: 3 });
    await journal.close();
    expect((await loadJournal(file)).records).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('drops an unparsable complete last line (e.g. zero-filled by a crash)', async () => {
    const good = lines([{ a: 1 }]);
    writeFileSync(file, `${good}\0\0\0\0\n`);
    const loaded = await loadJournal(file);
    expect(loaded.records).toEqual([{ a: 1 }]);
    expect(readFileSync(file, 'utf8')).toBe(good);
  });

  it('drops a last line cut just before its newline (never acknowledged)', async () => {
    writeFileSync(file, `${lines([{ a: 1 }])}{"b":2}`);
    expect((await loadJournal(file)).records).toEqual([{ a: 1 }]);
  });

  it('drops a last line that parses but fails validation', async () => {
    writeFileSync(file, lines([{ ok: true }, { ok: false }]));
    const loaded = await loadJournal(file, { validate: (r) => (r as { ok: boolean }).ok });
    expect(loaded.records).toEqual([{ ok: true }]);
  });

  it('throws a one-line CorruptDataError for an unparsable middle line', async () => {
    writeFileSync(file, `${lines([{ a: 1 }])}garbage\n${lines([{ b: 2 }])}`);
    const before = readFileSync(file, 'utf8');
    const error = await loadJournal(file).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(CorruptDataError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(file);
    expect(message).toContain('line 2');
    expect(message).toContain('move the data folder aside (or delete it to start empty)');
    // Nothing is repaired or truncated when the data is corrupt.
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('treats an empty middle line as corruption', async () => {
    writeFileSync(file, `${lines([{ a: 1 }])}\n${lines([{ b: 2 }])}`);
    await expect(loadJournal(file)).rejects.toThrow(CorruptDataError);
  });
});

describe('writeJournalAtomic', () => {
  it('replaces the journal through journal.tmp and leaves no temp file', async () => {
    writeFileSync(file, lines([{ old: 1 }, { old: 2 }]));
    const records = Array.from({ length: 5000 }, (_, i) => ({ i, pad: 'x'.repeat(300) }));
    await writeJournalAtomic(file, records);
    expect(existsSync(join(dir, 'journal.tmp'))).toBe(false);
    expect((await loadJournal(file)).records).toEqual(records);
    await writeJournalAtomic(file, []);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
