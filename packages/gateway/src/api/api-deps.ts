/** What the read-only HTTP API needs: Redis to read from and this instance's own view. */
import type { KeySchema, RedisConnection } from '@lingua/store';
import type { IndexCache } from '../cache/index-cache.js';
import type { GatewayConfig } from '../config.js';

export interface ApiDeps {
  readonly config: Pick<GatewayConfig, 'nodeLivenessTtlMs' | 'auth' | 'adminAuth'>;
  readonly instanceId: string;
  readonly redis: RedisConnection;
  readonly keys: KeySchema;
  readonly index: Pick<IndexCache, 'version'>;
}
