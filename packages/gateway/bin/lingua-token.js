#!/usr/bin/env node
// The `lingua-token` command. A checked-in launcher rather than a bin pointing into dist/: npm links a
// workspace bin only if its file exists at install time, and dist/ is created later by `npm run build`.
import('../dist/auth/token-cli.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/auth/token-cli.js')) {
    process.stderr.write(
      'lingua-token: not built yet; run `npm run build` first (or `npm run token` from source)\n',
    );
    process.exit(1);
  }
  throw err;
});
