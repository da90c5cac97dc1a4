/**
 * Fails when a process started by the test kit (redis-server, haproxy, gateway) outlived its run.
 *
 *   node --import tsx packages/testkit/scripts/check-no-leaks.ts [--root DIR] [--all] [--kill]
 *
 * --root  kit directory to inspect (default: $TESTKIT_DIR or <tmp>/lingua-testkit)
 * --all   every kit process under the root is a leak, even if the process that started it is
 *         still alive; use with a root dedicated to one CI run
 * --kill  SIGKILL the leaked processes after reporting them (the exit status still says "leak")
 */
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { findKitProcesses, type KitProcess } from '../src/kit-processes.js';
import { kitRoot } from '../src/tracked-process.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    all: { type: 'boolean', default: false },
    kill: { type: 'boolean', default: false },
  },
});
const root = values.root ?? kitRoot();

function leaks(): KitProcess[] {
  return findKitProcesses(root).filter((p) => values.all || !p.ownerAlive);
}

// Children of a run that just ended get their SIGKILL a moment after the run's exit; give them
// a short grace before calling them leaks.
let found = leaks();
for (let waited = 0; found.length > 0 && waited < 3_000; waited += 100) {
  await delay(100);
  found = leaks();
}

if (found.length === 0) {
  console.log(`check-no-leaks: no test-kit process left under ${root}`);
  process.exit(0);
}

console.error(`check-no-leaks: ${found.length} test-kit process(es) outlived their run:`);
for (const p of found) {
  console.error(`  pid ${p.pid}  ${p.command}  (run ${p.runDir}, owner ${p.ownerAlive ? 'alive' : 'dead'})`);
  if (values.kill) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.exit(1);
