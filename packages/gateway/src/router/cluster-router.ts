/**
 * The Router of N instances (docs/architecture.md "Crossing instances"). Targets on this instance are written
 * directly and never touch Redis; anything owned elsewhere goes into the owner's inbox (`Inbox.publish`: one
 * inbox-publish script), which replays gaps and de-duplicates, so the receiving side sees every envelope once and in
 * order.
 *
 * The receiving side hands envelopes to the local node sockets and sessions. What can no longer be delivered
 * here is answered at once instead of being left to a deadline:
 * - a `job_assign` for a node socket that is gone, or for an older epoch of it (a late message: dropped), is
 *   bounced to its sender, which gives the reservation back and runs the job's retry path now;
 * - a session event for a session that is not here is bounced to its sender, which looks the owner up in Redis
 *   again (the session was resumed elsewhere) and re-sends, at most MAX_HOPS times.
 * Fence envelopes close a local socket that a newer registration of the same node or session (with a higher
 * epoch, on another instance) replaced.
 */
import type { Logger } from 'pino';
import type { NodeOutbound } from '@lingua/protocol';
import type { SessionJobEvent } from '../jobs/job-events.js';
import { decodeEnvelope, encodeEnvelope, type Envelope, type EnvelopeType } from './envelope.js';
import type { FenceKind, FenceTarget, NodeAddress, NodeDeliveryFailure, Router } from './router.js';

/** Re-routes of one session event after bounces (a session that keeps moving is not chased forever). */
export const MAX_HOPS = 2;

/** The local node sockets (the nodes side's NodeRegistry satisfies it). */
export interface ClusterNodeSockets {
  send(nodeId: string, epoch: number, frame: NodeOutbound): true | NodeDeliveryFailure;
  get(nodeId: string): { readonly epoch: number; fence(reason: string): void } | undefined;
}

/** The local sessions (the sessions side's SessionRegistry satisfies it). */
export interface ClusterSessions {
  get(
    sessionId: string,
  ):
    | { readonly epoch: number; onJobEvent(event: SessionJobEvent): void; fence?(reason: string): void }
    | undefined;
}

export interface ClusterRouterObserver {
  /** An envelope went to another instance's inbox. */
  sent?(type: EnvelopeType): void;
  /** An envelope arrived from another instance. */
  received?(type: EnvelopeType): void;
  /** Something could not be delivered and was dropped, by why. */
  dropped?(why: string): void;
}

export interface ClusterRouterDeps {
  instanceId: string;
  /** Appends a payload to another instance's inbox (Inbox.publish). */
  publish(targetInstanceId: string, payload: string): Promise<unknown>;
  nodes: ClusterNodeSockets;
  sessions: ClusterSessions;
  /** The session's owner instance as Redis has it now; undefined when the session does not exist. */
  sessionOwner(sessionId: string): Promise<string | undefined>;
  /** A job_assign bounced: its reservation is given back before the job is failed over. */
  releaseBounced?(b: { sessionId: string; jobId: string; attempt: number; nodeId: string }): Promise<void>;
  /** A local socket was closed by a fence envelope: its ownership entry can go. */
  onFenced?(kind: FenceKind, id: string): void;
  logger: Logger;
  observe?: ClusterRouterObserver;
}

export class ClusterRouter implements Router {
  private readonly me: string;

  constructor(private readonly deps: ClusterRouterDeps) {
    this.me = deps.instanceId;
  }

  async deliverToNode(target: NodeAddress, frame: NodeOutbound): Promise<true | NodeDeliveryFailure> {
    if (target.owner === this.me) return this.deps.nodes.send(target.nodeId, target.epoch, frame);
    if (target.owner === '') return 'node_gone';
    // Not awaited: the caller must track the job before anything about it can come back (the node's result may
    // reach this instance's subscriber before the publish reply reaches its command connection). Publishes to one
    // inbox still keep their order: they go out in call order on one connection.
    void this.send(target.owner, {
      t: 'node',
      from: this.me,
      node: target.nodeId,
      epoch: target.epoch,
      frame,
    }).then((sent) => {
      // An unwritable inbox is as good as a gone node: the job is failed over like a bounced one.
      if (!sent && frame.type === 'job_assign') {
        return this.onAssignBounced({
          t: 'assign_bounced',
          from: this.me,
          node: target.nodeId,
          epoch: target.epoch,
          why: 'node_gone',
          sessionId: frame.session_id,
          jobId: frame.job_id,
          attempt: frame.attempt_id,
        });
      }
    });
    return true;
  }

  async deliverToSession(
    target: { sessionId: string; owner?: string },
    event: SessionJobEvent,
  ): Promise<void> {
    const { sessionId } = target;
    if (target.owner === undefined || target.owner === this.me) {
      if (this.deliverLocally(event)) return;
      if (target.owner === this.me) {
        // Owner here per Redis, socket gone: the event is in `{s}:out` if it matters for a resume.
        this.dropped('session_gone');
        return;
      }
    }
    const owner = target.owner ?? (await this.deps.sessionOwner(sessionId));
    if (owner === undefined || owner === '') {
      this.dropped('session_unknown');
      return;
    }
    if (owner === this.me) {
      if (!this.deliverLocally(event)) this.dropped('session_gone');
      return;
    }
    await this.send(owner, { t: 'session', from: this.me, hops: 0, event });
  }

  async fence(target: FenceTarget): Promise<void> {
    if (target.owner === this.me) {
      this.applyFence(target.kind, target.id, target.epoch, this.me);
      return;
    }
    if (target.owner === '') return;
    await this.send(target.owner, {
      t: 'fence',
      from: this.me,
      kind: target.kind,
      id: target.id,
      epoch: target.epoch,
    });
  }

  /** The receiving side: one inbox message (in inbox order). Never throws. */
  onInboxMessage(payload: string): void {
    const env = decodeEnvelope(payload);
    if (!env) {
      this.deps.logger.error({ payload: payload.slice(0, 200) }, 'inbox: envelope not understood; dropped');
      this.dropped('malformed');
      return;
    }
    this.deps.observe?.received?.(env.t);
    switch (env.t) {
      case 'node':
        this.onNodeEnvelope(env);
        return;
      case 'session':
        if (this.deliverLocally(env.event)) return;
        void this.send(env.from, { t: 'session_bounced', from: this.me, hops: env.hops, event: env.event });
        return;
      case 'session_bounced':
        void this.reroute(env).catch((err: unknown) => this.fail('session re-route failed', err));
        return;
      case 'assign_bounced':
        void this.onAssignBounced(env).catch((err: unknown) => this.fail('bounced assign not handled', err));
        return;
      case 'fence':
        this.applyFence(env.kind, env.id, env.epoch, env.from);
        return;
    }
  }

  private onNodeEnvelope(env: Extract<Envelope, { t: 'node' }>): void {
    const r = this.deps.nodes.send(env.node, env.epoch, env.frame);
    if (r === true) return;
    // A late message for a registration this socket no longer holds: never handed to the node.
    this.deps.logger.debug(
      { nodeId: env.node, epoch: env.epoch, type: env.frame.type, why: r, from: env.from },
      'node frame for a socket no longer here dropped',
    );
    this.dropped(r);
    const f = env.frame;
    if (f.type !== 'job_assign') return;
    void this.send(env.from, {
      t: 'assign_bounced',
      from: this.me,
      node: env.node,
      epoch: env.epoch,
      why: r,
      sessionId: f.session_id,
      jobId: f.job_id,
      attempt: f.attempt_id,
    });
  }

  private async reroute(env: Extract<Envelope, { t: 'session_bounced' }>): Promise<void> {
    const sessionId = env.event.sessionId;
    if (env.hops >= MAX_HOPS) {
      this.dropped('too_many_hops');
      return;
    }
    const owner = await this.deps.sessionOwner(sessionId);
    if (owner === undefined || owner === '' || owner === env.from) {
      // Still owned by the instance that no longer has it (its socket is gone): nothing to deliver to.
      this.dropped('session_gone');
      return;
    }
    if (owner === this.me) {
      if (!this.deliverLocally(env.event)) this.dropped('session_gone');
      return;
    }
    await this.send(owner, { t: 'session', from: this.me, hops: env.hops + 1, event: env.event });
  }

  private async onAssignBounced(env: Extract<Envelope, { t: 'assign_bounced' }>): Promise<void> {
    const ref = { sessionId: env.sessionId, jobId: env.jobId, attempt: env.attempt, nodeId: env.node };
    await this.deps.releaseBounced?.(ref).catch((err: unknown) => {
      // The reservation carries an expiry: select-reserve purges it then.
      this.deps.logger.warn({ err, ...ref }, 'reservation of a bounced job_assign not released');
    });
    await this.deliverToSession(
      { sessionId: env.sessionId },
      {
        kind: 'failed',
        sessionId: env.sessionId,
        jobId: env.jobId,
        attempt: env.attempt,
        nodeId: env.node,
        code: 'NODE_UNAVAILABLE',
        message: `node ${env.node} is no longer connected to ${env.from} (${env.why})`,
        retryable: true,
      },
    );
  }

  private applyFence(kind: FenceKind, id: string, epoch: number, from: string): void {
    const local = kind === 'node' ? this.deps.nodes.get(id) : this.deps.sessions.get(id);
    if (local === undefined || local.epoch >= epoch) return;
    const reason = `${kind} ${id} registered again on ${from} (epoch ${epoch})`;
    this.deps.logger.info(
      { kind, id, epoch, oldEpoch: local.epoch, from },
      'fenced: closing the older socket',
    );
    local.fence?.(reason);
    this.deps.onFenced?.(kind, id);
  }

  private deliverLocally(event: SessionJobEvent): boolean {
    const session = this.deps.sessions.get(event.sessionId);
    if (session === undefined) return false;
    session.onJobEvent(event);
    return true;
  }

  /** false when the target inbox could not be written (Redis unreachable). */
  private async send(target: string, env: Envelope): Promise<boolean> {
    try {
      await this.deps.publish(target, encodeEnvelope(env));
      this.deps.observe?.sent?.(env.t);
      return true;
    } catch (err) {
      this.fail(`inbox publish to ${target} failed`, err, env.t);
      return false;
    }
  }

  private dropped(why: string): void {
    this.deps.observe?.dropped?.(why);
  }

  private fail(what: string, err: unknown, type?: EnvelopeType): void {
    this.deps.logger.warn({ err, type }, what);
    this.dropped('error');
  }
}
