/**
 * The Router of a single instance (issue 4): node frames go to this instance's node sockets, session events to
 * this instance's sessions. Anything owned by another instance is reported gone / dropped; the cross-instance
 * router (issue 5) replaces this object behind the same interface, so neither the node side nor the session side
 * changes.
 */
import type { Logger } from 'pino';
import type { NodeOutbound } from '@lingua/protocol';
import type { NodeDeliveryFailure, Router, SessionJobEvent } from '../context.js';
import type { SessionRegistry } from '../sessions/session-registry.js';

/** What the router needs of the local node sockets (the nodes side's NodeRegistry satisfies it). */
export interface LocalNodeSockets {
  send(nodeId: string, epoch: number, frame: NodeOutbound): true | NodeDeliveryFailure;
}

export class LocalRouter implements Router {
  constructor(
    private readonly instanceId: string,
    private readonly nodes: LocalNodeSockets,
    private readonly sessions: SessionRegistry,
    private readonly logger: Logger,
  ) {}

  deliverToNode(
    target: { nodeId: string; owner: string; epoch: number },
    frame: NodeOutbound,
  ): Promise<true | NodeDeliveryFailure> {
    if (target.owner !== this.instanceId) return Promise.resolve('node_gone');
    return Promise.resolve(this.nodes.send(target.nodeId, target.epoch, frame));
  }

  deliverToSession(target: { sessionId: string; owner?: string }, event: SessionJobEvent): Promise<void> {
    const session = this.sessions.get(target.sessionId);
    if (session === undefined || (target.owner !== undefined && target.owner !== this.instanceId)) {
      this.logger.debug(
        { sessionId: target.sessionId, owner: target.owner, kind: event.kind },
        'session event dropped: session not on this instance',
      );
      return Promise.resolve();
    }
    session.onJobEvent(event);
    return Promise.resolve();
  }
}
