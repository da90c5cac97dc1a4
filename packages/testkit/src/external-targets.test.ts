import { describe, expect, it } from 'vitest';
import { externalTargets } from './external-targets.js';

describe('externalTargets', () => {
  it('is empty without REDIS_URL and REDIS_CLUSTER_NODES', () => {
    expect(externalTargets({})).toEqual([]);
    expect(externalTargets({ REDIS_URL: ' ', REDIS_CLUSTER_NODES: '' })).toEqual([]);
  });

  it('reads a standalone URL and Cluster seeds', () => {
    expect(
      externalTargets({
        REDIS_URL: 'redis://10.0.0.5:6380',
        REDIS_CLUSTER_NODES: '10.0.0.6:7000, 10.0.0.7:7001,',
      }),
    ).toEqual([
      { topology: 'standalone', url: 'redis://10.0.0.5:6380' },
      {
        topology: 'cluster',
        clusterNodes: [
          { host: '10.0.0.6', port: 7000 },
          { host: '10.0.0.7', port: 7001 },
        ],
      },
    ]);
  });

  it('rejects a seed that is not host:port', () => {
    expect(() => externalTargets({ REDIS_CLUSTER_NODES: '10.0.0.6' })).toThrow(/BAD_EXTERNAL_REDIS/);
    expect(() => externalTargets({ REDIS_CLUSTER_NODES: 'h:70000' })).toThrow(/BAD_EXTERNAL_REDIS/);
  });
});
