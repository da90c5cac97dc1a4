/** `/healthz` (process alive), `/readyz` (preload done, not draining) and `/metrics` (Prometheus text). */
import type { Registry } from 'prom-client';
import { json, type HttpRouter } from './router.js';

export interface HealthState {
  /** 'starting' until the preload finished, 'ready' afterwards, 'draining' once shutdown began. */
  phase(): 'starting' | 'ready' | 'draining' | 'stopped';
}

export function addHealthRoutes(router: HttpRouter, state: HealthState): void {
  router.get('/healthz', () => json(200, { status: 'ok' }));
  router.get('/readyz', () => {
    const phase = state.phase();
    return json(phase === 'ready' ? 200 : 503, { status: phase });
  });
}

export function addMetricsRoute(router: HttpRouter, registry: Registry): void {
  router.get('/metrics', async () => ({
    status: 200,
    body: await registry.metrics(),
    contentType: registry.contentType,
  }));
}
