/**
 * What happened to each utterance of a client: when it was finalized, when its first partial and its
 * resolution (translation_result or missing_result) arrived. Utterances are keyed by (session id, utterance
 * index): the gateway numbers them 0, 1, 2 … per session, one per `is_final` cut — and more when it cuts long
 * audio itself, which is why the expected count also follows the highest index the gateway mentions.
 */
import type { MissingResult, TranslationResult } from '@lingua/protocol';

export interface UtteranceRecord {
  sessionId: string;
  index: number;
  finalizedAt?: number;
  firstPartialAt?: number;
  resolvedAt?: number;
  result?: TranslationResult;
  missing?: MissingResult;
}

interface SessionUtterances {
  finalized: number;
  maxIndex: number;
  records: Map<number, UtteranceRecord>;
}

export class UtteranceTracker {
  private readonly sessions = new Map<string, SessionUtterances>();
  private resolved = 0;
  /** Resolutions of an utterance that was already resolved (the gateway promises exactly once). */
  duplicates = 0;

  /** Records an `is_final` sent on `sessionId`; returns the utterance index it should get. */
  finalized(sessionId: string, at: number): number {
    const s = this.session(sessionId);
    const index = s.finalized++;
    this.record(s, sessionId, index).finalizedAt ??= at;
    return index;
  }

  /** The gateway mentioned this utterance (partial, ui_event): it exists even if we did not cut it. */
  seen(sessionId: string, index: number, at: number, partial = false): void {
    const r = this.record(this.session(sessionId), sessionId, index);
    if (partial) r.firstPartialAt ??= at;
  }

  /** Returns false for a repeated resolution. */
  resolve(resolution: TranslationResult | MissingResult, at: number): boolean {
    const r = this.record(
      this.session(resolution.session_id),
      resolution.session_id,
      resolution.utterance_index,
    );
    if (r.resolvedAt !== undefined) {
      this.duplicates++;
      return false;
    }
    r.resolvedAt = at;
    if (resolution.type === 'translation_result') r.result = resolution;
    else r.missing = resolution;
    this.resolved++;
    return true;
  }

  get(sessionId: string, index: number): UtteranceRecord | undefined {
    return this.sessions.get(sessionId)?.records.get(index);
  }

  get resolvedCount(): number {
    return this.resolved;
  }

  /** Utterances that exist: finalized by us or numbered by the gateway, over every session of this client. */
  get expectedCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += Math.max(s.finalized, s.maxIndex + 1);
    return n;
  }

  unresolved(): { sessionId: string; index: number }[] {
    const out: { sessionId: string; index: number }[] = [];
    for (const [sessionId, s] of this.sessions) {
      const count = Math.max(s.finalized, s.maxIndex + 1);
      for (let index = 0; index < count; index++) {
        if (s.records.get(index)?.resolvedAt === undefined) out.push({ sessionId, index });
      }
    }
    return out;
  }

  records(): UtteranceRecord[] {
    return [...this.sessions.values()].flatMap((s) => [...s.records.values()]);
  }

  private session(sessionId: string): SessionUtterances {
    let s = this.sessions.get(sessionId);
    if (s === undefined) {
      s = { finalized: 0, maxIndex: -1, records: new Map() };
      this.sessions.set(sessionId, s);
    }
    return s;
  }

  private record(s: SessionUtterances, sessionId: string, index: number): UtteranceRecord {
    let r = s.records.get(index);
    if (r === undefined) {
      r = { sessionId, index };
      s.records.set(index, r);
    }
    if (index > s.maxIndex) s.maxIndex = index;
    return r;
  }
}
