import type { TestProject } from 'vitest/node';
import { TestkitError } from './errors.js';
import { externalTargets } from './external-targets.js';
import { REDIS_TARGETS_KEY } from './provided-context.js';
import { kitRoot } from './tracked-process.js';
import { sweepStaleRuns } from './kit-processes.js';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';
import {
  redisInstallHint,
  redisServerInstalled,
  startRedisServer,
  type RedisServerHandle,
} from './redis-server.js';
import type { RedisTarget } from './redis-target.js';

/**
 * Vitest global setup for packages that need Redis: one standalone server and one 3-master
 * Cluster per `vitest run`, shared by all test files (tests isolate themselves by key prefix).
 * REDIS_URL / REDIS_CLUSTER_NODES switch to external servers and start nothing.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = externalTargets();
  if (external.length > 0) {
    project.provide(REDIS_TARGETS_KEY, external);
    return async () => {};
  }

  sweepStaleRuns(kitRoot());
  if (!redisServerInstalled()) {
    const { dockerAvailable } = await import('./redis-docker.js');
    if (!(await dockerAvailable())) {
      // One line, no stack: this is a setup problem, not a test failure.
      const err = new TestkitError('REDIS_NOT_INSTALLED', redisInstallHint());
      err.stack = err.message;
      throw err;
    }
  }

  const [standalone, cluster] = await Promise.allSettled([
    startRedisServer(),
    startRedisCluster({ masters: 3 }),
  ]);
  const started: (RedisServerHandle | RedisClusterHandle)[] = [];
  if (standalone.status === 'fulfilled') started.push(standalone.value);
  if (cluster.status === 'fulfilled') started.push(cluster.value);
  const teardown = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
  };
  if (standalone.status === 'rejected' || cluster.status === 'rejected') {
    await teardown();
    throw standalone.status === 'rejected' ? standalone.reason : (cluster as PromiseRejectedResult).reason;
  }

  const targets: RedisTarget[] = [
    { topology: 'standalone', url: standalone.value.url },
    { topology: 'cluster', clusterNodes: cluster.value.nodes },
  ];
  project.provide(REDIS_TARGETS_KEY, targets);
  return teardown;
}
