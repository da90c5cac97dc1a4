/** The package's one error type; `code` says what went wrong without parsing the message. */
export type NodeAgentErrorCode =
  /** Options passed to the SDK or the simulator CLI are unusable. */
  | 'INVALID_OPTIONS'
  /** The gateway sent an `error` frame; `details.gatewayCode` carries its code. */
  | 'GATEWAY_ERROR'
  /** The gateway sent a frame this agent cannot decode. */
  | 'INVALID_FRAME'
  /** The node id / token state could not be read or written. */
  | 'IDENTITY_STORE'
  /**
   * The gateway answered the upgrade with 401 or 403: the token is missing, invalid, expired or of the wrong
   * role. Fatal: the agent stops instead of retrying (`details.status`, and `details.reason` when the gateway
   * named one).
   */
  | 'AUTH_REJECTED'
  /** The WebSocket failed (DNS, refused, TLS, abnormal close). */
  | 'SOCKET_ERROR'
  /** The agent was stopped while an operation waited. */
  | 'STOPPED';

export class NodeAgentError extends Error {
  override readonly name = 'NodeAgentError';
  readonly code: NodeAgentErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: NodeAgentErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}
