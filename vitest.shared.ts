import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';

const conditions = ['@lingua/source', 'node', 'import', 'module', 'default'];

/**
 * `npm run test:unit` sets LINGUA_TEST_UNIT=1: only the tests that need no Redis run (`*.test.ts`, not
 * `*.redis.test.ts`, and not the system tests, which all need it) and no Redis server is started.
 */
const unitOnly = process.env.LINGUA_TEST_UNIT === '1';

/**
 * One vitest configuration for every workspace package. Packages whose tests need Redis
 * ask for it; the test kit's global setup then starts real redis-server processes once
 * per run (standalone and a 3-master Cluster) and stops them however the run ends.
 * `system`: every test of the package needs Redis, whatever its file name.
 */
export function linguaVitest(
  opts: { redis?: boolean; testTimeoutMs?: number; system?: boolean } = {},
): ViteUserConfig {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@lingua/source'] } },
    test: {
      include: unitOnly && opts.system ? [] : ['src/**/*.test.ts'],
      exclude: unitOnly ? [...configDefaults.exclude, '**/*.redis.test.ts'] : configDefaults.exclude,
      testTimeout: opts.testTimeoutMs ?? 20_000,
      hookTimeout: 60_000,
      globalSetup:
        opts.redis && !unitOnly
          ? [fileURLToPath(new URL('./packages/testkit/src/global-setup.ts', import.meta.url))]
          : [],
      reporters: process.env.CI ? ['default'] : ['default'],
    },
  });
}
