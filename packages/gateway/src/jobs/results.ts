/**
 * The node side of a job (docs/architecture.md "A result comes back"), on the instance that owns the node's socket:
 * job frames from a registered node are fenced in Redis and routed to the session's owner.
 *
 * - `job_ack` / `job_started`: DISPATCHED → ACCEPTED (fenced on node + attempt); the winner tells the session
 *   (ui_event NODE_ACCEPTED). The existing agent never sends them; acceptance is otherwise implicit.
 * - `asr_partial`: forwarded at once, unordered; the session side drops it unless the job is open on that node.
 * - `job_result`: `job-transition` fenced on node + attempt (also appending the resolution to `{s}:out` for
 *   resume) → route to the session → `reserve-release`. Two scripts and one route. A late or duplicate result
 *   loses the transition and changes nothing.
 */
import type { Logger } from 'pino';
import type { JobResult, NodeAsrPartial, SessionOutbound } from '@lingua/protocol';
import { isTagSafe } from '@lingua/store';
import type { NodeConnectionInfo, NodeJobFrame } from '../nodes/node-socket.js';
import { clipFields } from '../ws/peer-log.js';
import type { Router } from '../router/router.js';
import { OPEN_STATES, reservationMember } from './job-record.js';
import type { JobStore } from './job-store.js';
import { resolutionFromResult, type Resolution } from './resolution.js';

export interface ResultObserver {
  /** job_result read → routed to the session's owner. */
  routed?(latencyMs: number, kind: Resolution['kind']): void;
  /** A frame that lost its fence (late, duplicate, foreign) and changed nothing. */
  stale?(type: NodeJobFrame['type'], why: string): void;
}

export interface NodeResultsDeps {
  store: JobStore;
  router: Pick<Router, 'deliverToSession'>;
  now: () => number;
  logger: Logger;
  observe?: ResultObserver;
}

export class NodeResults {
  constructor(private readonly deps: NodeResultsDeps) {}

  /** Entry point for every job frame of a registered node. Never throws. */
  onFrame(node: NodeConnectionInfo, msg: NodeJobFrame): void {
    if (msg.node_id !== node.nodeId) {
      // A node speaks for itself only; a frame naming another node is refused like any invalid input.
      node.send({
        type: 'error',
        code: 'INVALID_MESSAGE',
        message: `node_id ${msg.node_id} is not this connection's node`,
        details: { path: '/node_id' },
      });
      this.deps.observe?.stale?.(msg.type, 'foreign_node');
      return;
    }
    if (!isTagSafe(msg.session_id)) {
      // No session has such an id (it could not even be a key): refused like any invalid input.
      node.send({
        type: 'error',
        code: 'INVALID_MESSAGE',
        message: 'session_id may not contain braces',
        details: { path: '/session_id' },
      });
      this.deps.observe?.stale?.(msg.type, 'invalid_session_id');
      return;
    }
    let work: Promise<void>;
    switch (msg.type) {
      case 'asr_partial':
        work = this.onPartial(node, msg);
        break;
      case 'job_result':
        work = this.onResult(node, msg);
        break;
      case 'job_ack':
      case 'job_started':
        work = this.onAccepted(node, msg.session_id, msg.job_id, msg.attempt_id, msg.type);
        break;
    }
    work.catch((err: unknown) => {
      this.deps.logger.error({ err, nodeId: node.nodeId, type: msg.type }, 'node job frame failed');
    });
  }

  private async onPartial(node: NodeConnectionInfo, msg: NodeAsrPartial): Promise<void> {
    const frame: SessionOutbound = {
      type: 'asr_partial',
      session_id: msg.session_id,
      utterance_index: msg.utterance_index,
      job_id: msg.job_id,
      text: msg.text,
      is_final: msg.is_final,
      trace_id: msg.trace_id,
    };
    await this.deps.router.deliverToSession(
      { sessionId: msg.session_id },
      { kind: 'partial', sessionId: msg.session_id, jobId: msg.job_id, nodeId: node.nodeId, frame },
    );
  }

  private async onAccepted(
    node: NodeConnectionInfo,
    sessionId: string,
    jobId: string,
    attempt: number,
    type: 'job_ack' | 'job_started',
  ): Promise<void> {
    const t = await this.deps.store.transition({
      sessionId,
      jobId,
      expectedAttempt: attempt,
      from: ['DISPATCHED'],
      to: 'ACCEPTED',
      fenceNodeId: node.nodeId,
      now: this.deps.now(),
    });
    if (t.status !== 'WON') {
      // job_started after job_ack lands here too: already accepted.
      if (t.status === 'GONE' || t.state !== 'ACCEPTED') this.deps.observe?.stale?.(type, t.status);
      return;
    }
    await this.deps.router.deliverToSession(
      { sessionId, owner: t.sessionOwner },
      { kind: 'accepted', sessionId, jobId, attempt, nodeId: node.nodeId },
    );
  }

  private async onResult(node: NodeConnectionInfo, msg: JobResult): Promise<void> {
    const receivedAt = this.deps.now();
    const started = performance.now();
    const ref = {
      sessionId: msg.session_id,
      utteranceIndex: msg.utterance_index,
      jobId: msg.job_id,
      traceId: msg.trace_id,
    };
    if (!msg.success) {
      this.deps.logger.warn(
        {
          nodeId: node.nodeId,
          jobId: msg.job_id,
          // The node's own words, bounded like every other peer text that reaches the log.
          ...clipFields({
            code: msg.error?.code ?? '',
            nodeMessage: msg.error?.message ?? '',
            details: msg.error?.details,
          }),
        },
        'node reported a failed job',
      );
    }
    let resolution = resolutionFromResult(ref, msg, { receivedAt });
    const t = await this.deps.store.transition({
      sessionId: msg.session_id,
      jobId: msg.job_id,
      expectedAttempt: msg.attempt_id,
      from: OPEN_STATES,
      to: resolution.kind === 'error' ? 'FAILED' : 'COMPLETED',
      fenceNodeId: node.nodeId,
      patch: { result: resolution.kind, ...(resolution.reason ? { result_reason: resolution.reason } : {}) },
      out: { msg: outEntryOf(resolution), kind: resolution.kind },
      now: receivedAt,
    });
    if (t.status !== 'WON') {
      this.deps.observe?.stale?.('job_result', t.status === 'LOST' ? `lost:${t.state}` : 'gone');
      return;
    }
    const rec = t.record;
    // The record is the authority on which utterance this job serves and its trace, not the node's echo.
    if (rec.idx !== msg.utterance_index || (rec.trace !== undefined && rec.trace !== msg.trace_id)) {
      resolution = resolutionFromResult(
        { ...ref, utteranceIndex: rec.idx, traceId: rec.trace ?? msg.trace_id },
        msg,
        { receivedAt },
      );
    }
    if (typeof rec.dispatched_at === 'number') stampElapsed(resolution, receivedAt - rec.dispatched_at);
    await this.deps.router.deliverToSession(
      { sessionId: msg.session_id, owner: t.sessionOwner },
      {
        kind: 'result',
        sessionId: msg.session_id,
        jobId: msg.job_id,
        attempt: msg.attempt_id,
        nodeId: node.nodeId,
        resolution: t.outId ? { ...resolution, outId: t.outId } : resolution,
      },
    );
    this.deps.observe?.routed?.(performance.now() - started, resolution.kind);
    // The node's current shard: reservations move with a node that changes pool.
    await this.deps.store.release(
      node.poolId,
      node.shard,
      reservationMember({
        nodeId: node.nodeId,
        sessionId: msg.session_id,
        jobId: msg.job_id,
        attempt: msg.attempt_id,
      }),
    );
  }
}

function stampElapsed(r: Resolution, elapsedMs: number): void {
  for (const f of r.frames) if (f.type === 'ui_event') f.elapsed_ms = Math.max(0, elapsedMs);
}

/** What `{s}:out` keeps for replay on resume: the frame that resolves the index. */
function outEntryOf(r: Resolution): string {
  const main = r.frames.find((f) => f.type === 'translation_result' || f.type === 'missing_result');
  return JSON.stringify(main ?? r.frames[r.frames.length - 1] ?? null);
}
