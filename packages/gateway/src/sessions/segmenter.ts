/**
 * Cuts a session's audio stream into utterances (docs/protocol.md "Utterances").
 *
 * Pure: it sees decoded chunk bytes with their duration, a clock and timers, and reports cuts through a
 * callback. It knows nothing of sockets, Redis or utterance indexes (the session assigns those), so every
 * trigger can be driven by hand in unit tests.
 *
 * Triggers and what they mean for the node agent downstream:
 * - manual (`is_final`): the user ended the utterance. The final frame can overtake the last audio chunk, so the
 *   cut waits `finalGraceMs` and takes what arrived meanwhile. Ends the turn.
 * - pause: no chunk for `pauseMs` (client-side voice gating makes gaps normal). Ends the turn.
 * - max_duration: the buffer reached `maxUtteranceMs` of audio while the user keeps speaking. The turn stays
 *   open so the next cut carries the same `turn_id` and the node can stitch the pieces.
 * - buffer_full: the next chunk would push the buffer past `maxBufferBytes`. What is buffered is cut at once
 *   (no hangover: it is already too much) as a max-duration piece, and the chunk that did not fit is refused.
 * Auto cuts (pause, max_duration) wait a short hangover for a chunk in flight, as the reference scheduler does.
 */
import type { TimerHandle, Timers } from '../time/timers.js';

export type CutTrigger = 'manual' | 'pause' | 'max_duration' | 'buffer_full';

export interface SegmenterOptions {
  /** Silence since the last chunk after which the utterance is cut (LINGUA_PAUSE_MS). */
  pauseMs: number;
  /** Accumulated audio duration that forces a cut (LINGUA_MAX_UTTERANCE_MS). */
  maxUtteranceMs: number;
  /** Largest decoded buffer kept for one utterance (LINGUA_MAX_AUDIO_BUFFER_BYTES). */
  maxBufferBytes: number;
  /** Wait after `is_final` for a trailing chunk the final frame overtook (LINGUA_FINAL_GRACE_MS). */
  finalGraceMs: number;
  /** Wait after an automatic trigger for a chunk in flight. */
  hangoverAutoMs: number;
  /** `padding_ms` sent with automatic cuts. */
  paddingAutoMs: number;
  /** `padding_ms` sent with manual cuts. */
  paddingManualMs: number;
  /** Makes a fresh turn id when a turn starts. */
  newTurnId: () => string;
}

export const DEFAULT_HANGOVER_AUTO_MS = 150;
export const DEFAULT_PADDING_AUTO_MS = 220;
export const DEFAULT_PADDING_MANUAL_MS = 280;

export interface CutFlags {
  isManualCut: boolean;
  isTimeoutTriggered: boolean;
  isMaxDurationTriggered: boolean;
}

export interface Utterance {
  /** The chunks' decoded bytes, concatenated (a valid Plan A stream for opus). */
  audio: Buffer;
  durationMs: number;
  chunkCount: number;
  trigger: CutTrigger;
  flags: CutFlags;
  turnId: string;
  paddingMs: number;
  /** Clock reading when the first chunk of this utterance arrived. */
  firstChunkAt: number;
  /** Clock reading of the cut itself (after any grace or hangover). */
  cutAt: number;
}

export interface AudioPiece {
  bytes: Buffer;
  durationMs: number;
}

export type PushOutcome = { accepted: true } | { accepted: false; code: 'AUDIO_BUFFER_FULL' };

export class Segmenter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private durationMs = 0;
  private firstChunkAt = 0;
  private turnId: string | undefined;
  private silenceTimer: TimerHandle | undefined;
  private pendingCut: { trigger: CutTrigger; timer: TimerHandle } | undefined;
  private closed = false;
  /** `seq` of the final frame whose grace is running, when the client numbers its chunks. */
  private finalSeq: number | undefined;

  constructor(
    private readonly opts: SegmenterOptions,
    private readonly timers: Timers,
    private readonly onCut: (u: Utterance) => void,
  ) {}

  /** Buffered bytes not yet cut. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** The turn that the next cut belongs to, if one is open. */
  get openTurnId(): string | undefined {
    return this.turnId;
  }

  /**
   * One `audio_chunk`. An empty piece with `isFinal` only ends the utterance.
   *
   * While a manual cut waits out its grace, exactly one trailing chunk may still join: the web client's final
   * frame can overtake the last chunk, but a second chunk (or one numbered more than one step after the final
   * frame) is already the next utterance, so the waiting cut happens first. `seq` is optional because the
   * `utterance` path and unit tests have none.
   */
  push(piece: AudioPiece, isFinal: boolean, seq?: number): PushOutcome {
    if (this.closed) return { accepted: true };
    let outcome: PushOutcome = { accepted: true };
    if (piece.bytes.length > 0) {
      const grace = this.pendingCut?.trigger === 'manual' ? this.pendingCut : undefined;
      const trailing = grace !== undefined && !isFinal;
      if (trailing && !this.belongsToEndingUtterance(seq)) this.cutNow('manual');
      outcome = this.append(piece);
      if (trailing && outcome.accepted && this.pendingCut === grace) this.cutNow('manual');
    }
    if (isFinal) {
      this.finalSeq = seq;
      this.schedule('manual', this.opts.finalGraceMs);
    }
    return outcome;
  }

  /** Whether a chunk arriving during the final grace is the one the final frame overtook. */
  private belongsToEndingUtterance(seq: number | undefined): boolean {
    if (seq === undefined || this.finalSeq === undefined) return true;
    return seq <= this.finalSeq + 1;
  }

  /** Stops all timers and drops what is buffered (the session is going away). Returns the dropped bytes. */
  close(): number {
    const dropped = this.bytes;
    this.closed = true;
    this.clearSilence();
    if (this.pendingCut) this.timers.clearTimeout(this.pendingCut.timer);
    this.pendingCut = undefined;
    this.reset();
    return dropped;
  }

  private append(piece: AudioPiece): PushOutcome {
    if (this.bytes + piece.bytes.length > this.opts.maxBufferBytes) {
      if (this.bytes > 0) this.cutNow(this.pendingCut?.trigger === 'manual' ? 'manual' : 'buffer_full');
      return { accepted: false, code: 'AUDIO_BUFFER_FULL' };
    }
    if (this.chunks.length === 0) this.firstChunkAt = this.timers.now();
    this.chunks.push(piece.bytes);
    this.bytes += piece.bytes.length;
    this.durationMs += piece.durationMs;
    this.armSilence();
    if (this.durationMs >= this.opts.maxUtteranceMs) this.schedule('max_duration', this.opts.hangoverAutoMs);
    return { accepted: true };
  }

  /**
   * Arms a cut after `delayMs`. A manual cut outranks an automatic one already waiting (the user's end of
   * utterance decides the flags and ends the turn) and restarts the wait so the trailing chunk still fits.
   */
  private schedule(trigger: CutTrigger, delayMs: number): void {
    if (this.pendingCut) {
      if (this.pendingCut.trigger === 'manual' || trigger !== 'manual') return;
      this.timers.clearTimeout(this.pendingCut.timer);
    }
    if (delayMs <= 0) {
      // No wait configured: cut now rather than on the next timer tick (≥ 1 ms later in Node).
      this.cutNow(trigger);
      return;
    }
    const timer = this.timers.setTimeout(() => {
      this.pendingCut = undefined;
      this.cutNow(trigger);
    }, delayMs);
    this.pendingCut = { trigger, timer };
  }

  private armSilence(): void {
    this.clearSilence();
    this.silenceTimer = this.timers.setTimeout(() => {
      this.silenceTimer = undefined;
      this.schedule('pause', this.opts.hangoverAutoMs);
    }, this.opts.pauseMs);
  }

  private clearSilence(): void {
    if (this.silenceTimer !== undefined) this.timers.clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  private cutNow(trigger: CutTrigger): void {
    if (this.pendingCut) {
      this.timers.clearTimeout(this.pendingCut.timer);
      this.pendingCut = undefined;
    }
    const endsTurn = trigger === 'manual' || trigger === 'pause';
    if (this.bytes === 0) {
      // Nothing to send, but the user's end of turn still holds for the next utterance.
      if (endsTurn) this.turnId = undefined;
      return;
    }
    // An open turn keeps the silence timer: a pause after a max-duration cut still ends the turn.
    if (endsTurn) this.clearSilence();
    const turnId = this.turnId ?? this.opts.newTurnId();
    this.turnId = endsTurn ? undefined : turnId;
    const utterance: Utterance = {
      audio: this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.bytes),
      durationMs: this.durationMs,
      chunkCount: this.chunks.length,
      trigger,
      flags: {
        isManualCut: trigger === 'manual',
        isTimeoutTriggered: trigger === 'pause',
        isMaxDurationTriggered: trigger === 'max_duration' || trigger === 'buffer_full',
      },
      turnId,
      paddingMs: trigger === 'manual' ? this.opts.paddingManualMs : this.opts.paddingAutoMs,
      firstChunkAt: this.firstChunkAt,
      cutAt: this.timers.now(),
    };
    this.reset();
    this.onCut(utterance);
  }

  private reset(): void {
    this.chunks = [];
    this.bytes = 0;
    this.durationMs = 0;
    this.firstChunkAt = 0;
  }
}
