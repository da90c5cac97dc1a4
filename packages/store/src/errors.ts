/**
 * Every failure the store layer raises is a `StoreError` with a stable `code`, so callers branch on the code
 * and never on message text (which comes from Redis and changes between versions).
 */
export type StoreErrorCode =
  | 'UNKNOWN_SCRIPT'
  | 'SCRIPT_SOURCE'
  | 'SCRIPT_LOAD_FAILED'
  | 'NOSCRIPT_RELOAD_FAILED'
  | 'SCRIPT_ERROR'
  | 'CROSSSLOT'
  | 'UNEXPECTED_REPLY'
  | 'CONNECTION'
  | 'AUTH'
  | 'TLS'
  | 'INVALID_ARGUMENT';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** The reply a script gave did not have the documented shape: a script/wrapper mismatch, never user error. */
export function unexpectedReply(script: string, reply: unknown): StoreError {
  let shown: string;
  try {
    shown = JSON.stringify(reply);
  } catch {
    shown = String(reply);
  }
  return new StoreError('UNEXPECTED_REPLY', `${script}: unexpected reply ${shown}`);
}
