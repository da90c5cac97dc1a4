/**
 * Graceful drain (SIGTERM, or `Gateway.drain()`): readiness goes false at once (the load balancer stops sending
 * new sockets), new upgrades are refused, nodes are told `draining` and leave the dispatch set, the job side
 * tells its sessions, in-flight jobs get up to LINGUA_DRAIN_TIMEOUT_MS to finish, then everything closes.
 * Existing node agents reconnect only once per process, so nodes are closed only here, with cause.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface DrainSteps {
  logger: Logger;
  timeoutMs: number;
  /** The work drain waits for: jobs of local sessions still open. */
  work: { inFlight(): number; onDrain(): void };
  /** Phase → draining: /readyz 503, upgrades refused. */
  enterDraining(): void;
  /** `node_status draining` to every local node and out of the dispatch set. */
  drainNodes(): Promise<void>;
  /** Close all sockets and stop serving. */
  shutdown(): Promise<void>;
}

const POLL_MS = 50;

export async function drain(steps: DrainSteps): Promise<{ inFlightLeft: number; waitedMs: number }> {
  const { logger, work } = steps;
  const started = Date.now();
  steps.enterDraining();
  logger.info('drain: readiness off, new sockets refused');
  await Promise.allSettled([steps.drainNodes(), Promise.resolve().then(() => work.onDrain())]);
  const deadline = started + steps.timeoutMs;
  while (work.inFlight() > 0 && Date.now() < deadline) {
    await delay(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  const inFlightLeft = work.inFlight();
  const waitedMs = Date.now() - started;
  logger.info({ inFlightLeft, waitedMs }, 'drain: in-flight wait over, closing');
  await steps.shutdown();
  return { inFlightLeft, waitedMs };
}
