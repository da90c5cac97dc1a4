import { fileURLToPath } from 'node:url';

/** The monorepo root, found relative to this file (src/ or dist/ of packages/testkit). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));
