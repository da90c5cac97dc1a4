/**
 * Node reconnect delays: the backoff every peer shares (`@lingua/protocol`), except that a node's first retry
 * comes after 500 ms instead of the web client's 1 s.
 */
import {
  backoffDelay as peerBackoffDelay,
  createBackoff as peerCreateBackoff,
  type Backoff,
  type BackoffOptions,
} from '@lingua/protocol';

export type { Backoff, BackoffOptions };

const NODE_INITIAL_MS = 500;

function forNode(opts: BackoffOptions): BackoffOptions {
  return { ...opts, initialMs: opts.initialMs ?? NODE_INITIAL_MS };
}

export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  return peerBackoffDelay(attempt, forNode(opts), random);
}

export function createBackoff(opts: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  return peerCreateBackoff(forNode(opts), random);
}
