import { defineConfig } from 'vitest/config';

/**
 * Running vitest from the repo root: every workspace package is a project with its own config
 * (linguaVitest), so `npx vitest run packages/<pkg>/src/<file>.test.ts` works from here too.
 * `npm test` still goes through turbo, one package at a time.
 */
export default defineConfig({
  test: { projects: ['packages/*', 'test'] },
});
