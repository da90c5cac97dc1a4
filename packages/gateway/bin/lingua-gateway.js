#!/usr/bin/env node
// The `lingua-gateway` command. A checked-in launcher rather than a bin pointing into dist/: npm links a
// workspace bin only if its file exists at install time, and dist/ is created later by `npm run build`.
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('lingua-gateway: not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
});
