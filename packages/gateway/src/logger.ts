/**
 * The process's one root logger (pino JSON). Everything else logs through children of it that add
 * `nodeId`, `sessionId`, `jobId` or `traceId`; the root itself carries `instanceId` on every line.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { GatewayConfig } from './config.js';

export type { Logger };

export function createLogger(
  config: Pick<GatewayConfig, 'instanceId' | 'logLevel'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { instanceId: config.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
