/**
 * @lingua/protocol — the Lingua wire protocol (docs/protocol.md): message types and schemas, frame decoders and
 * encoders, error codes, limits and audio framing helpers. No I/O.
 */
export * from './messages.js';
export {
  createDecoders,
  defaultDecoders,
  decodeNodeFrame,
  decodeSessionFrame,
  decodeNodeOutbound,
  decodeSessionOutbound,
  type Decoders,
  type DecodeError,
  type DecodeErrorCode,
  type DecodeResult,
  type Frame,
  type FrameDecoder,
} from './decode.js';
export { encodeNodeFrame, encodeSessionFrame, encodeNodeInbound, encodeSessionInbound } from './encode.js';
export {
  ErrorCode,
  ERROR_CODES,
  isErrorCode,
  errorHint,
  NODE_FAILURE_CODES,
  nodeFailureCode,
  ProtocolError,
  type ProtocolErrorCode,
} from './errors.js';
export { DEFAULT_LIMITS, MAX_WIRE_INT, MAX_WIRE_MS, resolveLimits, type Limits } from './limits.js';
export {
  createSchemas,
  defaultSchemas,
  type ProtocolSchemas,
  type SchemaSet,
  type NodeInboundSchemas,
  type NodeOutboundSchemas,
  type SessionInboundSchemas,
  type SessionOutboundSchemas,
} from './schema/index.js';
export {
  AUDIO_FORMATS,
  SESSION_MODES,
  NODE_PLATFORMS,
  CLIENT_PLATFORMS,
  SERVICE_TYPES,
  SERVICE_DEVICES,
  SERVICE_STATUSES,
  NODE_STATUSES,
  ASR_QUALITY_LEVELS,
  BACKPRESSURE_ACTIONS,
  UI_EVENT_STATUSES,
  CAPABILITY_SCHEMA_VERSION,
  PROTOCOL_VERSION,
} from './schema/fields.js';
export {
  OPUS_PACKET_MS,
  PLAN_A_HEADER_BYTES,
  DEFAULT_SAMPLE_RATE,
  parseOpusPlanA,
  opusPlanAPackets,
  encodeOpusPlanA,
  opusPlanADurationMs,
  pcm16DurationMs,
  audioDurationMs,
  base64DecodedLength,
  isCanonicalBase64,
  decodeBase64Audio,
  type PlanAInfo,
  type PlanAOptions,
} from './audio.js';
export {
  NODE_INBOUND_EXAMPLES,
  NODE_OUTBOUND_EXAMPLES,
  SESSION_INBOUND_EXAMPLES,
  SESSION_OUTBOUND_EXAMPLES,
} from './examples.js';
export { jsonSchemaDocuments, serializeSchemaDocument, type JsonSchemaDocument } from './json-schema.js';
export { MESSAGE_NAMES } from './schema/names.js';
// support/: pure helpers shared by every peer of the protocol (gateway endpoint, reconnect policy, seeded
// randomness, CLI flags, upgrade credential).
export { backoffDelay, createBackoff, type Backoff, type BackoffOptions } from './support/backoff.js';
export { seededRandom, between, type Random } from './support/random.js';
export { flagReaders, type FlagReaders } from './support/cli-flags.js';
export { gatewayEndpoint } from './support/gateway-endpoint.js';
export {
  describeRefusal,
  isCredentialRefusal,
  isUsableToken,
  upgradeCredential,
  type UpgradeCredential,
} from './support/upgrade-credential.js';
