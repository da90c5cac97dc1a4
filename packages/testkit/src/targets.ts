import { describe, inject } from 'vitest';
import { TestkitError } from './errors.js';
import { REDIS_TARGETS_KEY } from './provided-context.js';
import type { RedisTarget } from './redis-target.js';

/** The targets started (or adopted from REDIS_URL / REDIS_CLUSTER_NODES) by the global setup. */
export function redisTargets(): RedisTarget[] {
  const targets = inject(REDIS_TARGETS_KEY);
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new TestkitError(
      'NO_REDIS_TARGETS',
      "no Redis targets provided: this package's vitest.config.ts must use linguaVitest({ redis: true })",
    );
  }
  return targets;
}

/** Runs the suite once per target; the suite name ends with the topology, e.g. `inbox (cluster)`. */
export function forEachTopology(name: string, fn: (target: RedisTarget) => void): void {
  describe.each(redisTargets())(`${name} ($topology)`, fn);
}
