import { createRedis, type RedisConnection } from '../connection.js';

/**
 * A store connection for a test kit target (`RedisTarget` of `@lingua/testkit`, typed structurally so that
 * this dev-only helper does not make the built package depend on the test kit), credentials and TLS included.
 */
export function connectionForTarget(
  target: {
    url?: string;
    clusterNodes?: { host: string; port: number }[];
    username?: string;
    password?: string;
    tls?: { ca: string };
  },
  name = 'store-test',
): RedisConnection {
  return createRedis({
    url: target.url,
    clusterNodes: target.clusterNodes?.map((n) => `${n.host}:${n.port}`),
    name,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls === undefined ? {} : { tls: { ca: target.tls.ca } }),
  });
}
