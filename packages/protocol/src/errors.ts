/**
 * Error codes of docs/protocol.md "Errors" (and our *ext* ones), the hint sentence shown to end users in
 * `ui_event.hint`, and the package's typed error.
 */
export const ErrorCode = Object.freeze({
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  INVALID_SESSION: 'INVALID_SESSION',
  SESSION_CLOSED: 'SESSION_CLOSED',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  NODE_UNAVAILABLE: 'NODE_UNAVAILABLE',
  NODE_OVERLOADED: 'NODE_OVERLOADED',
  NO_AVAILABLE_NODE: 'NO_AVAILABLE_NODE',
  MODEL_NOT_AVAILABLE: 'MODEL_NOT_AVAILABLE',
  MODEL_LOAD_FAILED: 'MODEL_LOAD_FAILED',
  UNSUPPORTED_FEATURE: 'UNSUPPORTED_FEATURE',
  INVALID_PAIRING_CODE: 'INVALID_PAIRING_CODE',
  WS_DISCONNECTED: 'WS_DISCONNECTED',
  NMT_TIMEOUT: 'NMT_TIMEOUT',
  TTS_TIMEOUT: 'TTS_TIMEOUT',
  JOB_TIMEOUT: 'JOB_TIMEOUT',
  MODEL_VERIFY_FAILED: 'MODEL_VERIFY_FAILED',
  MODEL_CORRUPTED: 'MODEL_CORRUPTED',
  NO_GPU_AVAILABLE: 'NO_GPU_AVAILABLE',
  NODE_ID_CONFLICT: 'NODE_ID_CONFLICT',
  INVALID_CAPABILITY_SCHEMA: 'INVALID_CAPABILITY_SCHEMA',
  SCHEDULER_DEPENDENCY_DOWN: 'SCHEDULER_DEPENDENCY_DOWN',
  // ext
  UNAUTHORIZED: 'UNAUTHORIZED',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  AUDIO_BUFFER_FULL: 'AUDIO_BUFFER_FULL',
  PROCESSING_ERROR: 'PROCESSING_ERROR',
} as const);

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));

const codeSet: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codeSet.has(value);
}

const HINTS: Readonly<Record<ErrorCode, string>> = Object.freeze({
  INVALID_MESSAGE: 'The app sent a message the server could not understand; please update the app.',
  INVALID_SESSION: 'This session is no longer known to the server; please reconnect.',
  SESSION_CLOSED: 'This session has ended; please start a new one.',
  INTERNAL_ERROR: 'Something went wrong on the server; please try again.',
  NODE_UNAVAILABLE: 'The translation server handling your speech went away; please try again.',
  NODE_OVERLOADED: 'Translation servers are busy; please try again in a moment.',
  NO_AVAILABLE_NODE: 'No translation server is available for this language pair right now.',
  MODEL_NOT_AVAILABLE: 'This language pair is not available right now.',
  MODEL_LOAD_FAILED: 'A translation model failed to load; please try again later.',
  UNSUPPORTED_FEATURE: 'A requested feature is not supported for this translation.',
  INVALID_PAIRING_CODE: 'The pairing code is not valid; please check it and try again.',
  WS_DISCONNECTED: 'The connection was lost; reconnecting.',
  NMT_TIMEOUT: 'Translation took too long; please try again.',
  TTS_TIMEOUT: 'Speech synthesis took too long; the text result is still shown.',
  JOB_TIMEOUT: 'Processing took too long; please repeat what you said.',
  MODEL_VERIFY_FAILED: 'A translation model could not be verified; please try again later.',
  MODEL_CORRUPTED: 'A translation model is damaged; please try again later.',
  NO_GPU_AVAILABLE: 'No GPU is available to process your speech right now.',
  NODE_ID_CONFLICT: 'Another node is already registered with this id.',
  INVALID_CAPABILITY_SCHEMA: 'The node reported capabilities in an unsupported format.',
  SCHEDULER_DEPENDENCY_DOWN: 'The service is temporarily degraded; please try again shortly.',
  UNAUTHORIZED: 'You are not allowed to do this; please sign in again.',
  RATE_LIMITED: 'Too many requests; please slow down.',
  PAYLOAD_TOO_LARGE: 'The message was too large for the server to accept.',
  AUDIO_BUFFER_FULL: 'Too much audio arrived at once; please pause briefly.',
  PROCESSING_ERROR: 'The translation server could not process this utterance; please try again.',
});

const GENERIC_HINT = 'Something went wrong; please try again.';

/** A short English sentence for `ui_event.hint`; any string is accepted and unknown codes get a generic sentence. */
export function errorHint(code: string): string {
  return isErrorCode(code) ? HINTS[code] : GENERIC_HINT;
}

/**
 * The codes a node's failed `job_result` may pass on to a session: failures of the node's own work. Anything else
 * a node reports (session or gateway codes such as INVALID_SESSION or UNAUTHORIZED, which clients act upon, or
 * words of its own) reaches the session as PROCESSING_ERROR.
 */
export const NODE_FAILURE_CODES: readonly ErrorCode[] = Object.freeze([
  'PROCESSING_ERROR',
  'NODE_OVERLOADED',
  'MODEL_NOT_AVAILABLE',
  'MODEL_LOAD_FAILED',
  'MODEL_VERIFY_FAILED',
  'MODEL_CORRUPTED',
  'UNSUPPORTED_FEATURE',
  'NO_GPU_AVAILABLE',
  'NMT_TIMEOUT',
  'TTS_TIMEOUT',
  'JOB_TIMEOUT',
] as const);

const nodeFailureSet: ReadonlySet<string> = new Set(NODE_FAILURE_CODES);

/** The code a session is told for a node's failure code: the code itself when it is a node failure code, else PROCESSING_ERROR. */
export function nodeFailureCode(code: string | undefined): ErrorCode {
  return code !== undefined && nodeFailureSet.has(code) ? (code as ErrorCode) : 'PROCESSING_ERROR';
}

/** Codes a ProtocolError can carry: the wire codes plus misuse of this package's API. */
export type ProtocolErrorCode = ErrorCode | 'INVALID_LIMITS' | 'INVALID_AUDIO';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  /** JSON path of the offending field, when the error is about a message field. */
  declare readonly path?: string;

  constructor(code: ProtocolErrorCode, message: string, path?: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    if (path !== undefined) this.path = path;
  }
}
