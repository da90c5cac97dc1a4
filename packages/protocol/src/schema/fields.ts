/**
 * Field builders shared by the message schemas. Every schema is built from a `Limits` value so the gateway can
 * compile decoders with its configured limits; the TypeScript types do not depend on the values.
 *
 * Two annotations steer the decoder's cleaning pass (see ../clean.ts) and the JSON Schema generator:
 * - `nullAsAbsent`: real clients send `null` for this optional field; the decoder removes it before validation.
 * - `freeForm`: a map whose unknown keys are kept as sent (known keys are still validated). Its key count is a
 *   schema bound (`maxProperties`); its size as JSON (`Limits.maxMapBytes`) is checked by the decoder after the schema.
 */
import {
  Type,
  type TSchema,
  type TLiteral,
  type TUnion,
  type TArray,
  type TOptional,
} from '@sinclair/typebox';
import { MAX_WIRE_INT, MAX_WIRE_MS, type Limits } from '../limits.js';

export const NULL_AS_ABSENT = 'nullAsAbsent';
export const FREE_FORM = 'freeForm';

/** A closed set of string values. */
export function Enum<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)));
}

/** Optional field that real clients may also send as `null` (treated as absent). */
export function NullAsAbsent<T extends TSchema>(schema: T): TOptional<T> {
  return Type.Optional({ ...schema, [NULL_AS_ABSENT]: true } as T) as unknown as TOptional<T>;
}

export const AUDIO_FORMATS = ['opus', 'pcm16'] as const;
export const SESSION_MODES = ['one_way', 'two_way_auto'] as const;
export const NODE_PLATFORMS = ['windows', 'linux', 'macos'] as const;
export const CLIENT_PLATFORMS = ['android', 'ios', 'web', 'api-gateway'] as const;
export const SERVICE_TYPES = ['asr', 'nmt', 'tts', 'tone', 'semantic', 'phonetic', 'punctuation'] as const;
export const SERVICE_DEVICES = ['gpu', 'cpu'] as const;
export const SERVICE_STATUSES = ['running', 'stopped', 'error'] as const;
export const NODE_STATUSES = ['registering', 'ready', 'degraded', 'draining', 'offline'] as const;
export const ASR_QUALITY_LEVELS = ['good', 'suspect', 'bad'] as const;
export const BACKPRESSURE_ACTIONS = ['BUSY', 'PAUSE', 'SLOW_DOWN'] as const;
export const UI_EVENT_STATUSES = ['ok', 'error'] as const;

/** The only `capability_schema_version` the gateway accepts (checked by the gateway, which answers INVALID_CAPABILITY_SCHEMA). */
export const CAPABILITY_SCHEMA_VERSION = '2.0';
/** `session_init_ack.protocol_version` spoken by this package. */
export const PROTOCOL_VERSION = '1.0';

export function fields(l: Limits) {
  const id = () => Type.String({ maxLength: l.maxIdLength });
  const lang = () => Type.String({ maxLength: l.maxLangLength });
  const text = () => Type.String({ maxLength: l.maxTextLength });
  const list = <T extends TSchema>(items: T): TArray<T> => Type.Array(items, { maxItems: l.maxArrayItems });

  const count = () => Type.Integer({ minimum: 0, maximum: MAX_WIRE_INT });
  const ms = () => Type.Number({ minimum: 0, maximum: MAX_WIRE_MS });
  const freeForm = { [FREE_FORM]: true, maxProperties: l.maxMapKeys };

  const serviceTimings = () =>
    Type.Object({
      asr_ms: Type.Optional(ms()),
      nmt_ms: Type.Optional(ms()),
      tts_ms: Type.Optional(ms()),
      total_ms: Type.Optional(ms()),
    });

  return {
    id,
    lang,
    text,
    list,
    count,
    ms,
    /** Short identifier-like strings that are not ids (versions, kinds, codes, names): same bound as ids. */
    short: id,
    /** base64 audio: bounded by the frame size only. */
    base64: () => Type.String(),
    number: () => Type.Number(),
    bool: () => Type.Boolean(),
    /** A count that must be at least 1 (attempts, capacities, channels). */
    positive: () => Type.Integer({ minimum: 1, maximum: MAX_WIRE_INT }),
    attempt: () => Type.Integer({ minimum: 1, maximum: MAX_WIRE_INT }),
    utteranceIndex: count,
    sampleRate: () => Type.Integer({ minimum: 1, maximum: MAX_WIRE_INT }),
    /** A free-form map of numbers keyed by name (bounded like every free-form map). */
    numberMap: () => Type.Record(Type.String(), Type.Number(), freeForm),
    audioFormat: () => Enum(AUDIO_FORMATS),
    mode: () => Enum(SESSION_MODES),
    langList: () => list(lang()),
    /** Free-form map of requested features; known flags are booleans. */
    features: () =>
      Type.Object(
        {
          emotion_detection: Type.Optional(Type.Boolean()),
          voice_style_detection: Type.Optional(Type.Boolean()),
          speech_rate_detection: Type.Optional(Type.Boolean()),
          speech_rate_control: Type.Optional(Type.Boolean()),
          speaker_identification: Type.Optional(Type.Boolean()),
          persona_adaptation: Type.Optional(Type.Boolean()),
        },
        freeForm,
      ),
    /** Free-form error details (e.g. `details.path` of INVALID_MESSAGE). */
    details: () => Type.Record(Type.String(), Type.Unknown(), freeForm),
    pipeline: () =>
      Type.Object({
        use_asr: Type.Boolean(),
        use_nmt: Type.Boolean(),
        use_tts: Type.Boolean(),
        use_semantic: Type.Optional(Type.Boolean()),
        use_tone: Type.Optional(Type.Boolean()),
      }),
    serviceTimings,
    /** Free-form result metadata produced by nodes and forwarded to sessions as is. */
    extra: () =>
      Type.Object(
        {
          emotion: Type.Optional(id()),
          speech_rate: Type.Optional(Type.Number()),
          voice_style: Type.Optional(id()),
          service_timings: Type.Optional(serviceTimings()),
          language_probability: Type.Optional(Type.Number()),
          language_probabilities: Type.Optional(
            Type.Record(Type.String(), Type.Number(), { maxProperties: l.maxMapKeys }),
          ),
          reason: Type.Optional(id()),
        },
        freeForm,
      ),
    asrQualityLevel: () => Enum(ASR_QUALITY_LEVELS),
    segmentsMeta: () =>
      Type.Object({
        count: count(),
        max_gap: Type.Number(),
        avg_duration: Type.Number(),
      }),
  };
}
