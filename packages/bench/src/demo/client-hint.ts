import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What `npx lingua-client` runs; its launcher refuses until `npm run build` has produced it. */
const CLIENT_DIST = fileURLToPath(new URL('../../../client/dist/cli.js', import.meta.url));

export function clientBuilt(): boolean {
  return existsSync(CLIENT_DIST);
}

/**
 * The command `--keep` suggests for talking to the kept stack. On a fresh clone (`npm ci && npm run demo`) nothing
 * is built yet, so the command builds first: a bare `npx lingua-client` would only say "not built yet".
 */
export function clientCommand(sessionUrl: string): string {
  const build = clientBuilt() ? '' : 'npm run build && ';
  return `${build}npx lingua-client --url ${sessionUrl} --src en --tgt zh --generate 3`;
}
