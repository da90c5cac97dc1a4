import { TestkitError } from './errors.js';
import type { RedisTarget } from './redis-target.js';

/**
 * Targets named by REDIS_URL (standalone) and REDIS_CLUSTER_NODES (comma-separated host:port
 * Cluster seeds). Empty when neither is set; then the global setup starts its own servers.
 */
export function externalTargets(env: NodeJS.ProcessEnv = process.env): RedisTarget[] {
  const targets: RedisTarget[] = [];
  const url = env.REDIS_URL?.trim();
  if (url) targets.push({ topology: 'standalone', url });
  const nodes = env.REDIS_CLUSTER_NODES?.trim();
  if (nodes) {
    const clusterNodes = nodes
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((text) => {
        const colon = text.lastIndexOf(':');
        const port = Number(text.slice(colon + 1));
        if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
          throw new TestkitError(
            'BAD_EXTERNAL_REDIS',
            `REDIS_CLUSTER_NODES entry "${text}" is not host:port`,
          );
        }
        return { host: text.slice(0, colon), port };
      });
    targets.push({ topology: 'cluster', clusterNodes });
  }
  return targets;
}
