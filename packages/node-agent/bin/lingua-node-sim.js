#!/usr/bin/env node
// The `lingua-node-sim` command. A checked-in launcher rather than a bin pointing into dist/: npm links a
// workspace bin only if its file exists at install time, and dist/ is created later by `npm run build`.
import('../dist/sim/cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/sim/cli.js')) {
    process.stderr.write('lingua-node-sim: not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
});
