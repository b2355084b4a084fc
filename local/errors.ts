/** An error the local host reports as one line, then exits non-zero. */
export class HostStartError extends Error {
  override name = 'HostStartError';
}

export class CorruptDataError extends HostStartError {
  constructor(path: string, problem: string) {
    super(`corrupt data: ${path} ${problem}; move the data folder aside (or delete it to start empty) and start again`);
  }
}
