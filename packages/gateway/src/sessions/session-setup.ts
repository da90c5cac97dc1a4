/**
 * What a session is set up with — from its `session_init`, or from its stored hash on resume — and the error a
 * frame handler answers with.
 */
import type { AudioFormat } from '@lingua/protocol';
import type { LanguageRoute } from '../jobs/candidates.js';
import type { SessionJobParams } from '../jobs/job-assign.js';

export interface SessionSetup {
  sessionId: string;
  epoch: number;
  params: SessionJobParams;
  route: LanguageRoute;
  audioFormat: AudioFormat;
  sampleRate: number;
}

/** What a frame handler may answer: nothing, or an error for the client. */
export interface FrameError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
