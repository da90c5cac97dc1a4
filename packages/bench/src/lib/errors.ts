export type BenchErrorCode =
  'BAD_ARGUMENT' | 'REDIS_INFO_FAILED' | 'RELAY_SETUP_FAILED' | 'REPORT_WRITE_FAILED';

/** The bench package's one error class: a failing scenario says which part broke and why. */
export class BenchError extends Error {
  readonly code: BenchErrorCode;

  constructor(code: BenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'BenchError';
    this.code = code;
  }
}
