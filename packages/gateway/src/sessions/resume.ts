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
  parseJobRecord,
  sessionClaim,
  sha256Hex,
  type JobRecord,
  type KeySchema,
  type RedisConnection,
  type ScriptRunner,
} from '@lingua/store';
import type { SessionJobEvent } from '../context.js';
import type { NodeTarget } from '../jobs/dispatcher.js';
import { OPEN_STATES } from '../jobs/job-record.js';
import { parseJson } from '../parse-json.js';
import type { FrameError, SessionSetup } from './session.js';
import type { SessionEndpoint } from './session-registry.js';

export interface ResumeDeps {
  scripts: ScriptRunner;
  redis: RedisConnection;
  keys: KeySchema;
  instanceId: string;
  now: () => number;
}

/** A settled resolution the client has not acknowledged: replayed in utterance order. */
export interface ReplayEntry {
  index: number;
  jobId: string;
  frame: SessionOutbound;
  /** `{s}:out` entry id, acknowledged (deleted) once the client has the frame. */
  outId: string;
}

/** A job still at its node: tracked here until it resolves (no retry: its audio stayed with the old owner). */
export interface AdoptedJob {
  record: JobRecord;
  target: NodeTarget;
}

export interface SessionRestore {
  nextIndex: number;
  replay: ReplayEntry[];
  open: AdoptedJob[];
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

  const replies = await deps.redis.client
    .multi()
    .hgetall(sk.session)
    .hgetall(sk.jobs)
    .xrange(sk.out, '-', '+')
    .exec();
  if (!replies) throw new Error('resume: session read aborted');
  const value = <T>(i: number): T => {
    const entry = replies[i];
    if (!entry || entry[0]) throw entry?.[0] ?? new Error(`resume: missing reply ${i}`);
    return entry[1] as T;
  };
  const fields = value<Record<string, string>>(0);
  const jobs = parseJobs(value<Record<string, string>>(1));
  const out = value<[string, string[]][]>(2);

  const setup = setupFromStored(sessionId, claim.epoch, fields, msg);
  const { restore, held } = await restoreState(deps, fields, jobs, out, msg.resume.received_through);
  // What the client says it holds is acknowledged now, whatever became of the pong that would have said so.
  if (held.length > 0) await deps.redis.client.xdel(sk.out, ...held);
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
    },
  };
}

async function restoreState(
  deps: ResumeDeps,
  fields: Record<string, string>,
  jobs: Map<string, JobRecord>,
  out: [string, string[]][],
  receivedThrough: number | undefined,
): Promise<{ restore: SessionRestore; held: string[] }> {
  const holds = (index: number): boolean => receivedThrough !== undefined && index <= receivedThrough;
  let nextIndex = Number(fields.next_idx) || 0;
  for (const rec of jobs.values()) nextIndex = Math.max(nextIndex, rec.idx + 1);

  const replay: ReplayEntry[] = [];
  const held: string[] = [];
  const replayed = new Set<number>();
  for (const [outId, kv] of out) {
    const jobId = field(kv, 'job') ?? '';
    const frame = parseJson<SessionOutbound>(field(kv, 'msg'));
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') continue;
    const index = jobs.get(jobId)?.idx ?? indexOfFrame(frame);
    // One resolution per index: a second entry could only come from a second target language of one index.
    if (index === undefined || replayed.has(index)) continue;
    replayed.add(index);
    nextIndex = Math.max(nextIndex, index + 1);
    if (holds(index)) {
      held.push(outId);
      continue;
    }
    replay.push({ index, jobId, frame, outId });
  }
  replay.sort((a, b) => a.index - b.index);

  // An open job at or below the cursor was already resolved for the client (by the gap timer): not adopted.
  const openRecords = [...jobs.values()].filter(
    (r) => OPEN_STATES.includes(r.state) && !replayed.has(r.idx) && !holds(r.idx),
  );
  const owners = await Promise.all(
    openRecords.map((r) => deps.redis.client.hmget(deps.keys.node(r.node), 'owner', 'epoch')),
  );
  const open: AdoptedJob[] = openRecords.map((record, i) => {
    const [owner, epoch] = owners[i] ?? [];
    return {
      record,
      target: {
        nodeId: record.node,
        owner: owner ?? '',
        epoch: Number(epoch ?? 0),
        poolId: record.pool,
        shard: record.shard,
      },
    };
  });
  open.sort((a, b) => a.record.idx - b.record.idx);
  return { restore: { nextIndex, replay, open }, held };
}

function parseJobs(raw: Record<string, string>): Map<string, JobRecord> {
  const jobs = new Map<string, JobRecord>();
  for (const [id, json] of Object.entries(raw)) {
    try {
      jobs.set(id, parseJobRecord('resume', json));
    } catch {
      // A record this version cannot read is skipped rather than failing the whole resume.
    }
  }
  return jobs;
}

function indexOfFrame(frame: SessionOutbound): number | undefined {
  if ('utterance_index' in frame && typeof frame.utterance_index === 'number') return frame.utterance_index;
  const details = (frame as { details?: { utterance_index?: unknown } }).details;
  return typeof details?.utterance_index === 'number' ? details.utterance_index : undefined;
}

function field(kv: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < kv.length; i += 2) if (kv[i] === name) return kv[i + 1];
  return undefined;
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
