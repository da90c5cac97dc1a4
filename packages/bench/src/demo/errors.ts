export type DemoErrorCode =
  | 'BAD_ARGUMENT'
  | 'REDIS_NOT_INSTALLED'
  | 'STACK_START_FAILED'
  | 'NODES_NOT_READY'
  | 'SESSION_FAILED'
  | 'RESULT_MISSING'
  | 'INTERRUPTED';

/** Everything that can end the demo early; `message` is the one line the user sees. */
export class DemoError extends Error {
  readonly code: DemoErrorCode;

  constructor(code: DemoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DemoError';
    this.code = code;
  }
}
