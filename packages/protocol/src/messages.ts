/**
 * Message types, derived from the schemas (one source). Each socket direction is a discriminated union on `type`.
 * Where the same wire `type` exists on both sockets (`asr_partial`, `error`) the names say which socket.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type {
  NodeInboundSchemas,
  NodeOutboundSchemas,
  SessionInboundSchemas,
  SessionOutboundSchemas,
} from './schema/index.js';

type Messages<S> = { [K in keyof S]: S[K] extends TSchema ? Static<S[K]> : never };
type UnionOf<S> = Messages<S>[keyof Messages<S>];

type NI = Messages<NodeInboundSchemas>;
type NO = Messages<NodeOutboundSchemas>;
type SI = Messages<SessionInboundSchemas>;
type SO = Messages<SessionOutboundSchemas>;

// node → gateway
export type NodeRegister = NI['node_register'];
export type NodeHeartbeat = NI['node_heartbeat'];
export type JobAck = NI['job_ack'];
export type JobStarted = NI['job_started'];
export type NodeAsrPartial = NI['asr_partial'];
export type JobResult = NI['job_result'];
export type NodeError = NI['node_error'];

// gateway → node
export type NodeRegisterAck = NO['node_register_ack'];
export type NodeStatus = NO['node_status'];
export type JobAssign = NO['job_assign'];
export type JobCancel = NO['job_cancel'];
export type NodeControl = NO['node_control'];
/** `error` sent to a node. */
export type NodeErrorMessage = NO['error'];

// client → gateway
export type SessionInit = SI['session_init'];
export type AudioChunk = SI['audio_chunk'];
export type Utterance = SI['utterance'];
export type ClientHeartbeat = SI['client_heartbeat'];
export type SessionClose = SI['session_close'];
export type TtsStarted = SI['tts_started'];
export type TtsPlayEnded = SI['tts_play_ended'];

// gateway → client
export type SessionInitAck = SO['session_init_ack'];
export type TranslationResult = SO['translation_result'];
export type SessionAsrPartial = SO['asr_partial'];
export type MissingResult = SO['missing_result'];
export type UiEvent = SO['ui_event'];
export type ServerHeartbeat = SO['server_heartbeat'];
export type SessionCloseAck = SO['session_close_ack'];
export type Backpressure = SO['backpressure'];
/** `error` sent to a session. */
export type SessionErrorMessage = SO['error'];

export type NodeInbound = UnionOf<NodeInboundSchemas>;
export type NodeOutbound = UnionOf<NodeOutboundSchemas>;
export type SessionInbound = UnionOf<SessionInboundSchemas>;
export type SessionOutbound = UnionOf<SessionOutboundSchemas>;

export type NodeInboundType = NodeInbound['type'];
export type NodeOutboundType = NodeOutbound['type'];
export type SessionInboundType = SessionInbound['type'];
export type SessionOutboundType = SessionOutbound['type'];

// Shared parts, for code that builds or reads them on their own.
export type InstalledModel = NodeRegister['installed_models'][number];
export type InstalledService = NodeHeartbeat['installed_services'][number];
export type ServiceCapability = NodeRegister['capability_by_type'][number];
export type ResourceUsage = NodeHeartbeat['resource_usage'];
export type LanguageCapabilities = NonNullable<NodeRegister['language_capabilities']>;
export type Hardware = NodeRegister['hardware'];
export type FeaturesSupported = NodeRegister['features_supported'];
export type Features = NonNullable<SessionInit['features']>;
export type Pipeline = JobAssign['pipeline'];
export type ResultExtra = NonNullable<JobResult['extra']>;
export type ServiceTimings = NonNullable<TranslationResult['service_timings']>;
export type NetworkTimings = NonNullable<TranslationResult['network_timings']>;
export type SegmentsMeta = NonNullable<JobResult['segments_meta']>;
export type JobResultError = NonNullable<JobResult['error']>;
export type AudioFormat = JobAssign['audio_format'];
export type SessionMode = NonNullable<SessionInit['mode']>;
export type ServiceType = InstalledService['type'];
export type NodeStatusValue = NodeStatus['status'];
export type AsrQualityLevel = NonNullable<JobResult['asr_quality_level']>;
export type BackpressureAction = Backpressure['action'];
