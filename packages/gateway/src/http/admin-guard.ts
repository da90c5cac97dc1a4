/**
 * The admin port's access rule: `/metrics` and the health endpoints are open (Prometheus and probes carry no
 * token), everything else needs an admin token — in `Authorization: Bearer …` or `access_token`.
 */
import type { AuthVerifier } from '../auth/verifier.js';
import { json, type RouteGuard } from './router.js';

const OPEN_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);

export function adminGuard(verifier: AuthVerifier): RouteGuard {
  return async (req, path) => {
    if (OPEN_PATHS.has(path)) return undefined;
    const result = await verifier.verify(req, 'admin');
    if (result.ok) return undefined;
    return result.status === 401
      ? json(401, {
          error: { code: 'UNAUTHORIZED', message: 'an admin token is required', reason: result.reason },
        })
      : json(403, { error: { code: 'FORBIDDEN', message: 'this token is not an admin token' } });
  };
}
