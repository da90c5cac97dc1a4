/** The exported type name of every message, per socket direction (also the JSON Schema file names). */
import type {
  NodeInboundType,
  NodeOutboundType,
  SessionInboundType,
  SessionOutboundType,
} from '../messages.js';

export const MESSAGE_NAMES = Object.freeze({
  nodeInbound: Object.freeze({
    node_register: 'NodeRegister',
    node_heartbeat: 'NodeHeartbeat',
    job_ack: 'JobAck',
    job_started: 'JobStarted',
    asr_partial: 'NodeAsrPartial',
    job_result: 'JobResult',
    node_error: 'NodeError',
  } satisfies Record<NodeInboundType, string>),
  nodeOutbound: Object.freeze({
    node_register_ack: 'NodeRegisterAck',
    node_status: 'NodeStatus',
    job_assign: 'JobAssign',
    job_cancel: 'JobCancel',
    node_control: 'NodeControl',
    error: 'NodeErrorMessage',
  } satisfies Record<NodeOutboundType, string>),
  sessionInbound: Object.freeze({
    session_init: 'SessionInit',
    audio_chunk: 'AudioChunk',
    utterance: 'Utterance',
    client_heartbeat: 'ClientHeartbeat',
    session_close: 'SessionClose',
    tts_started: 'TtsStarted',
    tts_play_ended: 'TtsPlayEnded',
  } satisfies Record<SessionInboundType, string>),
  sessionOutbound: Object.freeze({
    session_init_ack: 'SessionInitAck',
    translation_result: 'TranslationResult',
    asr_partial: 'SessionAsrPartial',
    missing_result: 'MissingResult',
    ui_event: 'UiEvent',
    server_heartbeat: 'ServerHeartbeat',
    session_close_ack: 'SessionCloseAck',
    backpressure: 'Backpressure',
    error: 'SessionErrorMessage',
  } satisfies Record<SessionOutboundType, string>),
});

export type Direction = keyof typeof MESSAGE_NAMES;

export const DIRECTIONS: readonly Direction[] = [
  'nodeInbound',
  'nodeOutbound',
  'sessionInbound',
  'sessionOutbound',
];

/** Union names per direction, as exported from messages.ts. */
export const UNION_NAMES: Readonly<Record<Direction, string>> = Object.freeze({
  nodeInbound: 'NodeInbound',
  nodeOutbound: 'NodeOutbound',
  sessionInbound: 'SessionInbound',
  sessionOutbound: 'SessionOutbound',
});

export const DIRECTION_TITLES: Readonly<Record<Direction, string>> = Object.freeze({
  nodeInbound: 'node → gateway (/ws/node)',
  nodeOutbound: 'gateway → node (/ws/node)',
  sessionInbound: 'client → gateway (/ws/session)',
  sessionOutbound: 'gateway → client (/ws/session)',
});
