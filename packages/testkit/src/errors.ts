export type TestkitErrorCode =
  | 'REDIS_NOT_INSTALLED'
  | 'REDIS_START_FAILED'
  | 'CLUSTER_NOT_READY'
  | 'POLL_TIMEOUT'
  | 'PROCESS_START_FAILED'
  | 'PROCESS_EXIT_TIMEOUT'
  | 'HAPROXY_TEMPLATE_INVALID'
  | 'NO_REDIS_TARGETS'
  | 'BAD_EXTERNAL_REDIS'
  | 'RESP_FRAMING'
  | 'PROXY_START_FAILED'
  | 'PROXY_UNKNOWN_NODE'
  | 'OPENSSL_NOT_INSTALLED'
  | 'TLS_SETUP_FAILED'
  | 'UNSUPPORTED';

/** Every failure the kit raises on purpose carries a code, so a test log says which fixture broke. */
export class TestkitError extends Error {
  readonly code: TestkitErrorCode;

  constructor(code: TestkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'TestkitError';
    this.code = code;
  }
}
