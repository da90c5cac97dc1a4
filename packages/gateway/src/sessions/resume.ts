/**
 * Session resume (*ext* `session_init.resume{session_id, token}`, docs/protocol.md "Extensions (ours)"), on whichever
 * instance the client reconnected to:
 * 1. `session-claim` in resume mode: the token must match; the epoch grows, so everything the previous owner
 *    does from now on is fenced (its job transitions return this instance as the session's owner, so results
 *    route here; its socket is closed by a fence envelope);
 * 2. one read of the session's slot (session hash, jobs, `{s}:out`) after the claim: every job is either still
 *    open (adopted: its result will be routed here) or settled (its resolution is in `{s}:out` unless the client
 *    already acknowledged it) — never both, never neither;
 * 3. the new Session replays the unacknowledged resolutions through ordered delivery, in utterance order, and
 *    tracks the open jobs to their end. New utterances continue after every index handed out so far.
 *
 * The pong that acknowledges `{s}:out` entries races the resume (it is handled on the old instance, the replay
 * read on this one), so a client that says what it holds (*ext* `resume.received_through`) is trusted over it:
 * entries at or below that index are deleted instead of replayed.
 *
 * Until the new Session is registered, events routed here are held by a PendingResume placeholder so none falls
 * into the gap between the claim and the registration.
 */
import {
  DEFAULT_SAMPLE_RATE,
  PROTOCOL_VERSION,
  type AudioFormat,
  type SessionInit,
  type SessionInitAck,
  type SessionMode,
  type SessionOutbound,
} from '@lingua/protocol';
import {
  readNodeOwner,
  readSessionSnapshot,
  sessionClaim,
  sha256Hex,
  type JobRecord,
  type KeySchema,
  type OutEntry,
  type RedisConnection,
  type ScriptRunner,
  type SessionOut,
} from '@lingua/store';
import type { SessionJobEvent } from '../jobs/job-events.js';
import { OPEN_STATES } from '../jobs/job-record.js';
import type { NodeAccess } from '../jobs/node-access.js';
import type { ResolutionKind } from '../jobs/resolution.js';
import type { AdoptedJob, ReplayEntry, SessionRestore } from './session-restore.js';
import type { FrameError, SessionSetup } from './session-setup.js';
import { parseJson } from '../parse-json.js';
import type { SessionEndpoint } from './session-registry.js';

export interface ResumeDeps {
  scripts: ScriptRunner;
  redis: RedisConnection;
  keys: KeySchema;
  out: SessionOut;
  instanceId: string;
  now: () => number;
}

export type ResumeOutcome =
  | {
      ok: true;
      setup: SessionSetup;
      ack: SessionInitAck;
      restore: SessionRestore;
      /** The instance that owned the session before this claim ('' none) and its epoch. */
      prevOwner: string;
      prevEpoch: number;
    }
  | { ok: false; error: FrameError };

type Resume = NonNullable<SessionInit['resume']>;

export async function resumeSession(
  deps: ResumeDeps,
  msg: SessionInit & { resume: Resume },
): Promise<ResumeOutcome> {
  const { session_id: sessionId, token } = msg.resume;
  if (sessionId.includes('{') || sessionId.includes('}')) return gone(sessionId);
  const sk = deps.keys.session(sessionId);
  const claim = await sessionClaim(deps.scripts, sk, {
    mode: 'resume',
    sessionId,
    instanceId: deps.instanceId,
    now: deps.now(),
    tokenHash: sha256Hex(token),
  });
  if (claim.status === 'GONE' || claim.status === 'EXISTS') return gone(sessionId);
  if (claim.status === 'DENIED') {
    return {
      ok: false,
      error: { code: 'UNAUTHORIZED', message: 'the resume token does not match this session' },
    };
  }

  const { fields, jobs, out } = await readSessionSnapshot(deps.redis, sk);

  const setup = setupFromStored(sessionId, claim.epoch, fields, msg);
  const { restore, held } = await restoreState(deps, fields, jobs, out, msg.resume.received_through);
  // What the client says it holds is acknowledged now, whatever became of the pong that would have said so.
  if (held.length > 0) await deps.out.remove(sk, held);
  const ack: SessionInitAck = {
    type: 'session_init_ack',
    session_id: sessionId,
    message: 'session resumed',
    trace_id: setup.params.traceId,
    protocol_version: PROTOCOL_VERSION,
    use_binary_frame: false,
    negotiated_codec: setup.audioFormat,
    negotiated_audio_format: setup.audioFormat,
    negotiated_sample_rate: setup.sampleRate,
    negotiated_channel_count: 1,
    resume_token: token,
    resumed: true,
  };
  return { ok: true, setup, ack, restore, prevOwner: claim.prevOwner, prevEpoch: claim.prevEpoch };
}

function gone(sessionId: string): ResumeOutcome {
  return {
    ok: false,
    error: {
      code: 'INVALID_SESSION',
      message: `session ${sessionId} cannot be resumed: it no longer exists`,
    },
  };
}

/** The session as it was created (languages, mode, audio), from its hash; what it does not keep, from `msg`. */
export function setupFromStored(
  sessionId: string,
  epoch: number,
  f: Record<string, string>,
  msg: SessionInit,
): SessionSetup {
  const mode: SessionMode = f.mode === 'two_way_auto' ? 'two_way_auto' : 'one_way';
  const audioFormat: AudioFormat = f.audio_format === 'pcm16' ? 'pcm16' : 'opus';
  const sampleRate = Number(f.sample_rate) || DEFAULT_SAMPLE_RATE;
  const srcLang = f.src_lang ?? msg.src_lang;
  const tgtLang = f.tgt_lang ?? msg.tgt_lang;
  const features = parseJson<SessionSetup['params']['features']>(f.features) ?? msg.features;
  const autoLangs = parseJson<string[]>(f.auto_langs) ?? msg.auto_langs;
  const langA = f.lang_a ?? msg.lang_a;
  const langB = f.lang_b ?? msg.lang_b;
  const dialect = f.dialect ?? msg.dialect;
  // Private-node access stays what the session was created with, whoever resumes it.
  const access = storedAccess(f);
  return {
    sessionId,
    epoch,
    audioFormat,
    sampleRate,
    route: {
      mode,
      srcLang,
      tgtLang,
      ...(langA !== undefined ? { langA } : {}),
      ...(langB !== undefined ? { langB } : {}),
    },
    params: {
      sessionId,
      traceId: f.trace_id ?? msg.trace_id ?? sessionId,
      srcLang,
      tgtLang,
      mode,
      ...(dialect !== undefined ? { dialect } : {}),
      ...(features !== undefined ? { features } : {}),
      ...(langA !== undefined ? { langA } : {}),
      ...(langB !== undefined ? { langB } : {}),
      ...(autoLangs !== undefined ? { autoLangs } : {}),
      ...(msg.enable_streaming_asr !== undefined ? { enableStreamingAsr: msg.enable_streaming_asr } : {}),
      ...(msg.partial_update_interval_ms !== undefined
        ? { partialUpdateIntervalMs: msg.partial_update_interval_ms }
        : {}),
      ...(access ? { access } : {}),
    },
  };
}

function storedAccess(f: Record<string, string>): NodeAccess | undefined {
  const tenant = f.tenant ?? '';
  const pairingHash = f.pair_hash ?? '';
  if (tenant === '' && pairingHash === '') return undefined;
  return { ...(tenant !== '' ? { tenant } : {}), ...(pairingHash !== '' ? { pairingHash } : {}) };
}

async function restoreState(
  deps: ResumeDeps,
  fields: Record<string, string>,
  jobs: Map<string, JobRecord>,
  out: OutEntry[],
  receivedThrough: number | undefined,
): Promise<{ restore: SessionRestore; held: string[] }> {
  const holds = (index: number): boolean => receivedThrough !== undefined && index <= receivedThrough;
  let nextIndex = Number(fields.next_idx) || 0;
  for (const rec of jobs.values()) nextIndex = Math.max(nextIndex, rec.idx + 1);

  const replay: ReplayEntry[] = [];
  const held: string[] = [];
  const replayed = new Set<number>();
  for (const { id: outId, job, kind, msg } of out) {
    const jobId = job ?? '';
    const frame = parseJson<SessionOutbound>(msg);
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') continue;
    if (!isResolutionKind(kind)) continue;
    const index = jobs.get(jobId)?.idx ?? indexOfFrame(frame);
    // One resolution per index: a second entry could only come from a second target language of one index.
    if (index === undefined || replayed.has(index)) continue;
    replayed.add(index);
    nextIndex = Math.max(nextIndex, index + 1);
    if (holds(index)) {
      held.push(outId);
      continue;
    }
    replay.push({ index, jobId, kind, frame, outId });
  }
  replay.sort((a, b) => a.index - b.index);

  // An open job at or below the cursor was already resolved for the client (by the gap timer): not adopted.
  const openRecords = [...jobs.values()].filter(
    (r) => OPEN_STATES.includes(r.state) && !replayed.has(r.idx) && !holds(r.idx),
  );
  const owners = await Promise.all(openRecords.map((r) => readNodeOwner(deps.redis, deps.keys.node(r.node))));
  const open: AdoptedJob[] = openRecords.map((record, i) => {
    const { owner, epoch } = owners[i] ?? { owner: '', epoch: 0 };
    return {
      record,
      target: {
        nodeId: record.node,
        owner,
        epoch,
        poolId: record.pool,
        shard: record.shard,
      },
    };
  });
  open.sort((a, b) => a.record.idx - b.record.idx);
  return { restore: { nextIndex, replay, open }, held };
}

const RESOLUTION_KINDS: readonly string[] = ['translation', 'missing', 'error'] satisfies ResolutionKind[];

function isResolutionKind(kind: string | undefined): kind is ResolutionKind {
  return kind !== undefined && RESOLUTION_KINDS.includes(kind);
}

function indexOfFrame(frame: SessionOutbound): number | undefined {
  if ('utterance_index' in frame && typeof frame.utterance_index === 'number') return frame.utterance_index;
  const details = (frame as { details?: { utterance_index?: unknown } }).details;
  return typeof details?.utterance_index === 'number' ? details.utterance_index : undefined;
}

/**
 * Stands in the session registry for a session being resumed here, from before the claim until the Session
 * exists: job events routed here meanwhile are held, then handed to the Session (or back to the session it
 * replaced, when the resume is refused).
 */
export class PendingResume implements SessionEndpoint {
  readonly epoch = Number.MAX_SAFE_INTEGER;
  private held: SessionJobEvent[] = [];

  constructor(readonly sessionId: string) {}

  onJobEvent(event: SessionJobEvent): void {
    this.held.push(event);
  }

  inFlight(): number {
    return 0;
  }

  onDrain(): void {}

  /** The events held so far, in arrival order; later ones go straight to `to`. */
  handOver(to: Pick<SessionEndpoint, 'onJobEvent'> | undefined): void {
    const held = this.held;
    this.held = [];
    if (to) for (const e of held) to.onJobEvent(e);
  }
}
