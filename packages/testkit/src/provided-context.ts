import type { RedisTarget } from './redis-target.js';

/** The key under which the global setup hands its Redis targets to test files. */
export const REDIS_TARGETS_KEY = 'linguaRedisTargets';

declare module 'vitest' {
  export interface ProvidedContext {
    linguaRedisTargets: RedisTarget[];
  }
}
