/**
 * One live session on its owner instance: audio → utterances (segmenter) → jobs (SessionJobs) → resolutions in
 * utterance order (OrderedDelivery) → the socket. The socket handler (session-socket.ts) decodes frames and
 * calls in here; this class decides what they mean.
 *
 * Invariant kept here: every utterance index this session accepts resolves exactly once — the index enters
 * ordered delivery when it is accepted, before its job exists, and only ordered delivery writes resolutions.
 */
import type { Logger } from 'pino';
import type { AudioChunk, SessionOutbound, Utterance as UtteranceMessage } from '@lingua/protocol';
import { DEFAULT_PIPELINE, type UtteranceJob } from '../jobs/job-assign.js';
import type { SessionJobEvent } from '../jobs/job-events.js';
import { missingResolution, type Resolution } from '../jobs/resolution.js';
import { SessionJobs, type SessionJobsDeps } from '../jobs/session-jobs.js';
import { decodeAudio } from './audio-intake.js';
import { OrderedDelivery, type EmitReason, type ResolveOutcome } from './ordered-delivery.js';
import {
  DEFAULT_HANGOVER_AUTO_MS,
  DEFAULT_PADDING_AUTO_MS,
  DEFAULT_PADDING_MANUAL_MS,
  Segmenter,
  type Utterance,
} from './segmenter.js';
import type { SessionEndpoint } from './session-registry.js';
import type { SessionRestore } from './session-restore.js';
import type { FrameError, SessionSetup } from './session-setup.js';
import type { TimerHandle, Timers } from '../time/timers.js';

export interface SessionSettings {
  pauseMs: number;
  maxUtteranceMs: number;
  maxAudioBufferBytes: number;
  finalGraceMs: number;
  resultGapMs: number;
}

export interface SessionObserver {
  /** An index went out: its resolution kind and how (own resolution, gap, drain). */
  emitted?(resolution: Resolution, how: EmitReason): void;
  /** A resolution arrived that ordered delivery refused (late after a gap, duplicate). */
  refused?(outcome: ResolveOutcome): void;
  cut?(trigger: Utterance['trigger']): void;
}

export interface SessionServices {
  timers: Timers;
  settings: SessionSettings;
  jobs: Omit<SessionJobsDeps, 'logger'>;
  newTurnId: () => string;
  logger: Logger;
  observe?: SessionObserver;
}

export class Session implements SessionEndpoint {
  readonly sessionId: string;
  readonly epoch: number;
  private readonly segmenter: Segmenter;
  private readonly delivery: OrderedDelivery<Resolution>;
  private readonly jobs: SessionJobs;
  private readonly logger: Logger;
  private nextIndex = 0;
  private state: 'open' | 'draining' | 'detached' | 'closed' = 'open';
  private graceTimer: TimerHandle | undefined;
  /** Closes the socket when a newer registration of this session (a resume) fenced it. */
  onFenced: ((reason: string) => void) | undefined;
  /** Set by the socket: close it as "going away" (process stop). */
  onShutdown: (() => void) | undefined;

  constructor(
    private readonly services: SessionServices,
    private readonly setup: SessionSetup,
    /**
     * Writes a frame to the socket. The frame that resolves an index comes with `resolves`: its kind, and the
     * `{s}:out` entry that keeps it (acknowledged once written; none when this instance made the resolution).
     */
    private readonly send: (frame: SessionOutbound, resolves?: ResolvedFrame) => void,
  ) {
    this.sessionId = setup.sessionId;
    this.epoch = setup.epoch;
    this.logger = services.logger.child({ sessionId: setup.sessionId, traceId: setup.params.traceId });
    const s = services.settings;
    this.segmenter = new Segmenter(
      {
        pauseMs: s.pauseMs,
        maxUtteranceMs: s.maxUtteranceMs,
        maxBufferBytes: s.maxAudioBufferBytes,
        finalGraceMs: s.finalGraceMs,
        hangoverAutoMs: DEFAULT_HANGOVER_AUTO_MS,
        paddingAutoMs: DEFAULT_PADDING_AUTO_MS,
        paddingManualMs: DEFAULT_PADDING_MANUAL_MS,
        newTurnId: services.newTurnId,
      },
      services.timers,
      (u) => this.onCut(u),
    );
    this.delivery = new OrderedDelivery<Resolution>(
      {
        gapMs: s.resultGapMs,
        emit: (index, resolution, how) => this.emit(index, resolution, how),
        gapPayload: (index) => missingResolution(this.ref(index), 'gap_timeout', this.services.timers.now()),
      },
      services.timers,
    );
    this.jobs = new SessionJobs(
      { ...services.jobs, logger: this.logger },
      {
        sessionId: setup.sessionId,
        params: setup.params,
        route: setup.route,
        sendNow: (frame) => this.send(frame),
        resolve: (index, resolution) => this.resolve(index, resolution),
      },
    );
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  inFlight(): number {
    return this.jobs.inFlight;
  }

  /** Accepted indexes not yet sent out (for tests and metrics). */
  outstanding(): readonly number[] {
    return this.delivery.outstanding();
  }

  onAudioChunk(msg: AudioChunk): FrameError | undefined {
    if (this.state !== 'open') return undefined;
    const intake = decodeAudio(msg.payload ?? '', this.setup.audioFormat, this.setup.sampleRate, '/payload');
    if (!intake.ok)
      return { code: 'INVALID_MESSAGE', message: intake.message, details: { path: intake.path } };
    const pushed = this.segmenter.push(intake.piece, msg.is_final, msg.seq);
    if (!pushed.accepted) {
      return {
        code: pushed.code,
        message: `audio buffer limit of ${this.services.settings.maxAudioBufferBytes} bytes reached; chunk ${msg.seq} dropped`,
        details: { seq: msg.seq },
      };
    }
    return undefined;
  }

  /** A client-cut utterance with its own index: idempotent (a repeated index changes nothing). */
  onUtterance(msg: UtteranceMessage): FrameError | undefined {
    if (this.state !== 'open') return undefined;
    const intake = decodeAudio(msg.audio, msg.audio_format, msg.sample_rate, '/audio');
    if (!intake.ok)
      return { code: 'INVALID_MESSAGE', message: intake.message, details: { path: intake.path } };
    if (!this.delivery.accept(msg.utterance_index)) return undefined;
    this.nextIndex = Math.max(this.nextIndex, msg.utterance_index + 1);
    const job: UtteranceJob = {
      utteranceIndex: msg.utterance_index,
      audio: msg.audio,
      audioFormat: msg.audio_format,
      sampleRate: msg.sample_rate,
      pipeline: msg.pipeline ?? DEFAULT_PIPELINE,
      isManualCut: msg.manual_cut,
      isTimeoutTriggered: false,
      isMaxDurationTriggered: false,
      srcLang: msg.src_lang,
      tgtLang: msg.tgt_lang,
    };
    void this.jobs.start(job, performance.now());
    return undefined;
  }

  onJobEvent(event: SessionJobEvent): void {
    this.jobs.onEvent(event);
  }

  /** Drain: no new utterances; the client is asked to pause (it reconnects elsewhere when this socket closes). */
  onDrain(): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.segmenter.close();
    this.send({ type: 'backpressure', action: 'PAUSE' });
  }

  /**
   * `session_close`: buffered audio is dropped, open jobs are cancelled, and every accepted index still goes out
   * once — results already here in order, the rest as `missing_result session_closed`.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const dropped = this.segmenter.close();
    if (dropped > 0) this.logger.debug({ droppedBytes: dropped }, 'session closed with unsent audio');
    await this.jobs.cancelAll('session closed');
    const now = this.services.timers.now();
    this.delivery.drain((index) => missingResolution(this.ref(index), 'session_closed', now));
  }

  /** The socket is gone: nothing can be delivered any more; stop timers and cancel open jobs. */
  async socketClosed(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearGrace();
    this.segmenter.close();
    this.delivery.stop();
    await this.jobs.cancelAll('session socket closed');
  }

  /**
   * The socket dropped without `session_close` (the web client's way of leaving, or a network loss): nothing
   * can be delivered here any more, but the open jobs keep going for `graceMs` — their results land in
   * `{s}:out` — so a resume on any instance can take them over; after that they are cancelled and `onEnded` runs.
   */
  detach(graceMs: number, onEnded: () => void): void {
    if (this.state === 'closed' || this.state === 'detached') return;
    this.state = 'detached';
    this.segmenter.close();
    this.delivery.stop();
    this.graceTimer = this.services.timers.setTimeout(() => {
      this.graceTimer = undefined;
      this.socketClosed()
        .catch((err: unknown) => this.logger.warn({ err }, 'session cleanup failed'))
        .finally(onEnded);
    }, graceMs);
  }

  /**
   * A resume claimed this session elsewhere (higher epoch): stop here without touching its jobs — the new
   * owner adopted them — and close the socket if it is still open.
   */
  fence(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearGrace();
    this.segmenter.close();
    this.delivery.stop();
    this.jobs.forget();
    this.onFenced?.(reason);
  }

  shutdown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearGrace();
    this.segmenter.close();
    this.delivery.stop();
    this.jobs.forget();
    this.onShutdown?.();
  }

  /**
   * Resume (sessions/resume.ts): settled resolutions the client has not acknowledged are replayed through
   * ordered delivery, open jobs are tracked here, and new utterances continue after every index handed out.
   */
  restore(r: SessionRestore): void {
    this.nextIndex = Math.max(this.nextIndex, r.nextIndex);
    for (const e of r.replay) this.delivery.accept(e.index);
    for (const j of r.open) if (this.delivery.accept(j.record.idx)) this.jobs.adopt(j.record, j.target);
    for (const e of r.replay) {
      this.resolve(e.index, { kind: e.kind, frames: [e.frame], outId: e.outId });
    }
  }

  private clearGrace(): void {
    if (this.graceTimer !== undefined) this.services.timers.clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private onCut(u: Utterance): void {
    this.services.observe?.cut?.(u.trigger);
    if (this.state !== 'open') return;
    const index = this.nextIndex++;
    this.delivery.accept(index);
    const job: UtteranceJob = {
      utteranceIndex: index,
      audio: u.audio.toString('base64'),
      audioFormat: this.setup.audioFormat,
      sampleRate: this.setup.sampleRate,
      pipeline: DEFAULT_PIPELINE,
      isManualCut: u.flags.isManualCut,
      isTimeoutTriggered: u.flags.isTimeoutTriggered,
      isMaxDurationTriggered: u.flags.isMaxDurationTriggered,
      turnId: u.turnId,
      paddingMs: u.paddingMs,
    };
    // The cut is now (this callback runs at the cut): the dispatch latency is measured from here.
    void this.jobs.start(job, performance.now());
  }

  private resolve(index: number, resolution: Resolution): void {
    if (this.state === 'detached') {
      // No socket to order for: hand it on at once so it is kept for a resume, which restores the order.
      const last = resolution.frames.length - 1;
      resolution.frames.forEach((frame, i) =>
        this.send(frame, i === last ? resolvedBy(resolution) : undefined),
      );
      return;
    }
    const outcome = this.delivery.resolve(index, resolution);
    if (outcome !== 'emitted' && outcome !== 'queued') this.services.observe?.refused?.(outcome);
  }

  private emit(index: number, resolution: Resolution, how: EmitReason): void {
    this.services.observe?.emitted?.(resolution, how);
    if (how === 'gap') {
      // Nobody will see this index's result any more: free its node slot instead of waiting for it.
      void this.jobs.abandon(index, 'result gap timeout');
    }
    const last = resolution.frames.length - 1;
    resolution.frames.forEach((frame, i) =>
      this.send(frame, i === last ? resolvedBy(resolution) : undefined),
    );
  }

  private ref(index: number) {
    return {
      sessionId: this.sessionId,
      utteranceIndex: index,
      jobId: this.jobs.jobIdOf(index) ?? '',
      traceId: this.setup.params.traceId,
    };
  }
}

/** What the socket learns with the frame that resolves an index. */
export interface ResolvedFrame {
  kind: Resolution['kind'];
  outId?: string;
}

function resolvedBy(r: Resolution): ResolvedFrame {
  return r.outId === undefined ? { kind: r.kind } : { kind: r.kind, outId: r.outId };
}
