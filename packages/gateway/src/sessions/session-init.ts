/**
 * `session_init` → a new session: checks what the schema cannot (mode needs its languages), negotiates the audio
 * format, claims the session in Redis (`session-claim`, owner = this instance) and builds the ack with every field
 * docs/protocol.md lists. A `session_init` carrying the *ext* `resume` request goes to `resume.ts` instead.
 *
 * Which private nodes may serve the session is fixed here and stored with it: the tenant of its credential (never
 * the client's own `tenant_id`, which proves nothing) and the hash of the `pairing_code` it presented. A code that
 * matches no node is accepted like any other: it simply pairs with nothing, and public nodes serve the session
 * (answering INVALID_PAIRING_CODE would tell a guesser which codes exist).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DEFAULT_SAMPLE_RATE,
  PROTOCOL_VERSION,
  type SessionInit,
  type SessionInitAck,
} from '@lingua/protocol';
import { sha256Hex } from '@lingua/store';
import type { NodeAccess } from '../jobs/node-access.js';
import { normalizePairingCode, pairingCodeHash } from '../nodes/pairing-code.js';
import type { FrameError, SessionSetup } from './session-setup.js';
import type { SessionStore } from './session-store.js';

export type InitOutcome =
  { ok: true; setup: SessionSetup; ack: SessionInitAck } | { ok: false; error: FrameError };

export interface InitDeps {
  store: SessionStore;
  instanceId: string;
  now: () => number;
}

/** Schema-valid but unusable inits: answered with INVALID_MESSAGE and the field's path. */
export function checkInit(msg: SessionInit): FrameError | undefined {
  const invalid = (path: string, message: string): FrameError => ({
    code: 'INVALID_MESSAGE',
    message,
    details: { path },
  });
  if (msg.src_lang === '') return invalid('/src_lang', 'src_lang must not be empty');
  if (msg.tgt_lang === '') return invalid('/tgt_lang', 'tgt_lang must not be empty');
  if (msg.mode === 'two_way_auto') {
    if (!msg.lang_a) return invalid('/lang_a', 'two_way_auto needs lang_a');
    if (!msg.lang_b) return invalid('/lang_b', 'two_way_auto needs lang_b');
    if (msg.lang_a === msg.lang_b) return invalid('/lang_b', 'lang_b must differ from lang_a');
  }
  return undefined;
}

export async function initSession(
  deps: InitDeps,
  msg: SessionInit,
  tenant: string | undefined,
): Promise<InitOutcome> {
  const bad = checkInit(msg);
  if (bad) return { ok: false, error: bad };
  const access = nodeAccess(tenant, msg.pairing_code);
  const mode = msg.mode ?? 'one_way';
  const audioFormat = msg.audio_format === 'pcm16' ? 'pcm16' : 'opus';
  // Opus Plan A is 16 kHz by definition; pcm16 may name its rate.
  const sampleRate = audioFormat === 'pcm16' ? (msg.sample_rate ?? DEFAULT_SAMPLE_RATE) : DEFAULT_SAMPLE_RATE;
  const traceId = msg.trace_id ?? randomUUID();
  const token = randomBytes(18).toString('base64url');
  for (let tries = 0; tries < 3; tries++) {
    const sessionId = `s-${randomUUID()}`;
    const claim = await deps.store.create(
      sessionId,
      deps.instanceId,
      sha256Hex(token),
      sessionFields(msg, mode, audioFormat, sampleRate, traceId, access),
      deps.now(),
    );
    if (claim.status !== 'OK') continue;
    const setup: SessionSetup = {
      sessionId,
      epoch: claim.epoch,
      audioFormat,
      sampleRate,
      route: {
        mode,
        srcLang: msg.src_lang,
        tgtLang: msg.tgt_lang,
        ...(msg.lang_a !== undefined ? { langA: msg.lang_a } : {}),
        ...(msg.lang_b !== undefined ? { langB: msg.lang_b } : {}),
      },
      params: {
        sessionId,
        traceId,
        srcLang: msg.src_lang,
        tgtLang: msg.tgt_lang,
        mode,
        ...(msg.dialect !== undefined ? { dialect: msg.dialect } : {}),
        ...(msg.features !== undefined ? { features: msg.features } : {}),
        ...(msg.lang_a !== undefined ? { langA: msg.lang_a } : {}),
        ...(msg.lang_b !== undefined ? { langB: msg.lang_b } : {}),
        ...(msg.auto_langs !== undefined ? { autoLangs: msg.auto_langs } : {}),
        ...(msg.enable_streaming_asr !== undefined ? { enableStreamingAsr: msg.enable_streaming_asr } : {}),
        ...(msg.partial_update_interval_ms !== undefined
          ? { partialUpdateIntervalMs: msg.partial_update_interval_ms }
          : {}),
        ...(access ? { access } : {}),
      },
    };
    const ack: SessionInitAck = {
      type: 'session_init_ack',
      session_id: sessionId,
      message: 'session created',
      trace_id: traceId,
      protocol_version: PROTOCOL_VERSION,
      use_binary_frame: false,
      negotiated_codec: audioFormat,
      negotiated_audio_format: audioFormat,
      negotiated_sample_rate: sampleRate,
      negotiated_channel_count: 1,
      resume_token: token,
    };
    return { ok: true, setup, ack };
  }
  return { ok: false, error: { code: 'INTERNAL_ERROR', message: 'could not allocate a session id' } };
}

function sessionFields(
  msg: SessionInit,
  mode: string,
  audioFormat: string,
  sampleRate: number,
  traceId: string,
  access: NodeAccess | undefined,
): Record<string, string | number | boolean | object> {
  const f: Record<string, string | number | boolean | object> = {
    src_lang: msg.src_lang,
    tgt_lang: msg.tgt_lang,
    mode,
    platform: msg.platform,
    client_version: msg.client_version,
    trace_id: traceId,
    audio_format: audioFormat,
    sample_rate: sampleRate,
  };
  if (msg.lang_a !== undefined) f.lang_a = msg.lang_a;
  if (msg.lang_b !== undefined) f.lang_b = msg.lang_b;
  if (msg.dialect !== undefined) f.dialect = msg.dialect;
  if (access?.tenant !== undefined) f.tenant = access.tenant;
  if (access?.pairingHash !== undefined) f.pair_hash = access.pairingHash;
  if (msg.features !== undefined) f.features = msg.features;
  if (msg.auto_langs !== undefined) f.auto_langs = msg.auto_langs;
  return f;
}

/** The session's access to private nodes; undefined when it has neither a tenant nor a usable pairing code. */
export function nodeAccess(
  tenant: string | undefined,
  pairingCode: string | undefined,
): NodeAccess | undefined {
  const code = pairingCode === undefined ? '' : normalizePairingCode(pairingCode);
  if (!tenant && code === '') return undefined;
  return {
    ...(tenant ? { tenant } : {}),
    ...(code !== '' ? { pairingHash: pairingCodeHash(code) } : {}),
  };
}
