/** The package's one error type; `code` says what went wrong without parsing the message. */
import type { SessionErrorMessage } from '@lingua/protocol';

export type ClientErrorCode =
  /** Options passed to the SDK or the CLI are unusable. */
  | 'INVALID_OPTIONS'
  /** The gateway sent an `error` frame; `gateway` holds it (its `code` is the wire error code). */
  | 'GATEWAY_ERROR'
  /** The gateway sent a frame this client cannot decode. */
  | 'INVALID_FRAME'
  /**
   * The gateway answered the upgrade with 401 or 403: the token is missing, invalid, expired or of the wrong
   * role. Fatal: the client closes instead of retrying (`details.status`, and `details.reason` when the gateway
   * named one).
   */
  | 'AUTH_REJECTED'
  /** The WebSocket failed (DNS, refused, TLS, abnormal close) or closed before the session was acknowledged. */
  | 'SOCKET_ERROR'
  /** A wait (`connect`, `waitForResults`) ran past its deadline. */
  | 'TIMEOUT'
  /** The client was closed while an operation waited, or used after `close()`. */
  | 'CLOSED'
  /** A WAV file is malformed or uses an encoding the reader does not support. */
  | 'INVALID_WAV';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  readonly code: ClientErrorCode;
  readonly details?: Record<string, unknown>;
  /** The gateway's `error` frame, for GATEWAY_ERROR. */
  readonly gateway?: SessionErrorMessage;

  constructor(
    code: ClientErrorCode,
    message: string,
    extra: { details?: Record<string, unknown>; gateway?: SessionErrorMessage; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    if (extra.details !== undefined) this.details = extra.details;
    if (extra.gateway !== undefined) this.gateway = extra.gateway;
  }
}
