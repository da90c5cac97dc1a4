/**
 * A scripted stand-in for the gateway's `/ws/session` endpoint, for unit tests of the client. Every frame the client
 * sends is validated with the gateway-side decoder, so a test also proves the client speaks the wire protocol.
 * `autoTranslate` turns a connection into a minimal gateway that answers each finished utterance. Test-only: excluded
 * from the build.
 */
import type { WebSocket } from 'ws';
import {
  decodeSessionFrame,
  encodeSessionFrame,
  type SessionInbound,
  type SessionInitAck,
  type SessionOutbound,
} from '@lingua/protocol';
import { FakeWsConnection, FakeWsServer, type FrameCodec } from '@lingua/testkit';

type Of<T extends SessionInbound['type']> = Extract<SessionInbound, { type: T }>;

const SESSION_CODEC: FrameCodec<SessionInbound, SessionOutbound> = {
  peer: 'client',
  decode: decodeSessionFrame,
  encode: encodeSessionFrame,
};

export class FakeSessionConnection extends FakeWsConnection<SessionInbound, SessionOutbound> {
  constructor(ws: WebSocket) {
    super(ws, SESSION_CODEC);
  }

  ack(
    sessionId: string,
    ext: { resume_token?: string; resumed?: boolean; trace_id?: string } = {},
  ): SessionInitAck {
    const ack: SessionInitAck = {
      type: 'session_init_ack',
      session_id: sessionId,
      message: 'ok',
      trace_id: ext.trace_id ?? 'trace',
      protocol_version: '1.0',
      use_binary_frame: false,
      negotiated_codec: 'pcm16',
      negotiated_audio_format: 'pcm16',
      negotiated_sample_rate: 16000,
      negotiated_channel_count: 1,
    };
    if (ext.resume_token !== undefined) ack.resume_token = ext.resume_token;
    if (ext.resumed !== undefined) ack.resumed = ext.resumed;
    this.send(ack);
    return ack;
  }

  /** Waits for session_init and acks it; returns the init. */
  async accept(
    sessionId: string,
    ext: { resume_token?: string; resumed?: boolean } = {},
  ): Promise<Of<'session_init'>> {
    const init = await this.next('session_init');
    this.ack(sessionId, { ...ext, trace_id: init.trace_id ?? 'trace' });
    return init;
  }
}

export class FakeSessionGateway extends FakeWsServer<FakeSessionConnection> {
  static start(): Promise<FakeSessionGateway> {
    return new FakeSessionGateway('/ws/session', (ws) => new FakeSessionConnection(ws)).listening();
  }

  /**
   * Serves every connection like a tiny gateway: ack, then one translation_result per finished utterance, preceded by
   * an asr_partial when the session asked for streaming ASR.
   */
  autoTranslate(opts: { answer?: boolean } = {}): void {
    let sessions = 0;
    this.serveEach((conn) => {
      let sessionId = '';
      let index = 0;
      let bytes = 0;
      let partials = false;
      conn.ws.on('message', (data) => {
        const decoded = decodeSessionFrame(data as Buffer);
        if (!decoded.ok) return;
        const msg = decoded.msg;
        if (msg.type === 'session_init') {
          sessionId = `auto-${sessions++}`;
          partials = msg.enable_streaming_asr === true;
          conn.ack(sessionId, { trace_id: msg.trace_id ?? 'trace' });
        } else if (msg.type === 'audio_chunk') {
          bytes += Buffer.from(msg.payload ?? '', 'base64').byteLength;
          if (!msg.is_final || opts.answer === false) return;
          const text = `utt#${index} ${bytes}b`;
          if (partials) {
            conn.send({
              type: 'asr_partial',
              session_id: sessionId,
              utterance_index: index,
              job_id: `job-${sessionId}-${index + 1}`,
              text: `utt#${index}…`,
              is_final: false,
              trace_id: 'trace',
            });
          }
          conn.send({
            type: 'translation_result',
            session_id: sessionId,
            utterance_index: index++,
            job_id: `job-${sessionId}-${index}`,
            text_asr: text,
            text_translated: `[x] ${text}`,
            tts_audio: '',
            tts_format: 'pcm16',
            trace_id: 'trace',
          });
          bytes = 0;
        }
      });
    });
  }
}
