/**
 * What the gateway does about jobs before the job service is installed (sessions/jobs engineer): nodes can
 * register and heartbeat; job frames are logged and dropped; lost reservations are only logged.
 */
import type { Logger } from 'pino';
import type { JobSide, NodeLifecycleHooks } from './context.js';

export function placeholderJobSide(logger: Logger): JobSide {
  return {
    onNodeJobFrame(node, msg) {
      logger.warn({ nodeId: node.nodeId, type: msg.type }, 'job frame dropped: no job service installed');
    },
    inFlight: () => 0,
  };
}

export function placeholderNodeHooks(logger: Logger): NodeLifecycleHooks {
  return {
    onReservationsLost(nodeId, reservations, reason) {
      logger.warn(
        { nodeId, count: reservations.length, reason },
        'reservations lost: no job service installed',
      );
    },
  };
}
