/** @lingua/client — the session SDK for Lingua gateways, audio helpers, and the lingua-client CLI's building blocks. */
export {
  SessionClient,
  sessionEndpoint,
  type SessionClientOptions,
  type SessionClientEvents,
} from './session-client.js';
export { UtteranceTracker, type UtteranceRecord } from './utterance-tracker.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export { backoffDelay, createBackoff, type Backoff, type BackoffOptions } from '@lingua/protocol';
export {
  decodeWav,
  encodeWav,
  readWavFile,
  toSpeechAudio,
  type DecodedWav,
  type SpeechAudio,
} from './audio/wav.js';
export { downmix, resampleLinear } from './audio/resample.js';
export { TARGET_SAMPLE_RATE, bytesToPcm16, floatToPcm16, pcm16ToBytes, durationMs } from './audio/pcm.js';
export { generateSpeechLike, rms, type SpeechLikeOptions } from './audio/speech-generator.js';
export { CHUNK_MS, chunkUtterance, type ChunkOptions, type WireAudioFormat } from './audio/chunker.js';
export { seededRandom, type Random } from '@lingua/protocol';
