/**
 * The router until cross-instance delivery exists (issue 5): nodes owned by this instance are written to
 * directly through the registry; anything owned elsewhere is reported as gone.
 */
import type { Logger } from 'pino';
import type { Router, SessionJobEvent } from '../context.js';
import type { NodeRegistry } from './node-registry.js';

export function createLocalRouter(
  instanceId: string,
  registry: NodeRegistry,
  logger: Logger,
  deliverLocalSession?: (event: SessionJobEvent) => Promise<void> | void,
): Router {
  return {
    async deliverToNode(target, frame) {
      if (target.owner !== instanceId) return 'node_gone';
      return registry.send(target.nodeId, target.epoch, frame);
    },
    async deliverToSession(target, event) {
      if (target.owner === instanceId && deliverLocalSession) return deliverLocalSession(event);
      logger.warn({ sessionId: target.sessionId, owner: target.owner }, 'session event dropped: no route');
    },
  };
}
