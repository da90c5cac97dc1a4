import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const conditions = ['@lingua/source', 'node', 'import', 'module', 'default'];

/**
 * One vitest configuration for every workspace package. Packages whose tests need Redis
 * ask for it; the test kit's global setup then starts real redis-server processes once
 * per run (standalone and a 3-master Cluster) and stops them however the run ends.
 */
export function linguaVitest(opts: { redis?: boolean; testTimeoutMs?: number } = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@lingua/source'] } },
    test: {
      include: ['src/**/*.test.ts'],
      testTimeout: opts.testTimeoutMs ?? 20_000,
      hookTimeout: 60_000,
      globalSetup: opts.redis
        ? [fileURLToPath(new URL('./packages/testkit/src/global-setup.ts', import.meta.url))]
        : [],
      reporters: process.env.CI ? ['default'] : ['default'],
    },
  });
}
