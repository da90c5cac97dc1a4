/**
 * GET /api/v1/cluster — the instances of this deployment as Redis knows them (so every instance answers alike)
 * plus this instance's cache version:
 *   instances[]: id, alive, last_seen_ms, started_at, uptime_ms, nodes and sessions owned, inbox (sequence
 *   published, last delivered, backlog, probe round trip, replays, resubscribes) as of the instance's last tick.
 */
import { listInstances, readInstanceFigures } from '@lingua/store';
import type { ApiDeps } from './api-deps.js';
import { json, type HttpRouter } from '../http/router.js';

export interface InstanceView {
  id: string;
  alive: boolean;
  last_seen_ms: number;
  started_at: number | null;
  uptime_ms: number | null;
  nodes_owned: number;
  sessions_owned: number;
  inbox: {
    /** Messages ever published to its inbox (sequence). */
    published: number;
    /** Sequence it had delivered at its last presence tick. */
    delivered: number | null;
    /** published − delivered: messages waiting or in flight as of that tick. */
    backlog: number | null;
    /** Round trip of its last inbox probe (publish → receipt), ms; -1 before the first. */
    lag_ms: number | null;
    replayed: number | null;
    resubscribes: number | null;
  };
}

export function addClusterApiRoutes(router: HttpRouter, ctx: ApiDeps): void {
  router.get('/api/v1/cluster', async () => {
    const instances = await readInstances(ctx);
    return json(200, {
      instance_id: ctx.instanceId,
      cache_version: ctx.index.version,
      // How this instance admits sockets and admin calls: `off` is worth seeing at a glance.
      auth: { sockets: ctx.config.auth.mode, admin: ctx.config.adminAuth.mode },
      count: instances.length,
      alive: instances.filter((i) => i.alive).length,
      instances,
    });
  });
}

export async function readInstances(ctx: Pick<ApiDeps, 'redis' | 'keys'>): Promise<InstanceView[]> {
  const listed = await listInstances(ctx.redis, ctx.keys.index());
  const now = Date.now();
  const views = await Promise.all(
    listed.map(async ({ id, lastSeen }): Promise<InstanceView> => {
      // One slot ({i:id}): one round trip.
      const figures = await readInstanceFigures(ctx.redis, ctx.keys.instance(id));
      const info = parseInfo(figures.alive);
      const published = figures.published;
      const inbox = info?.inbox;
      const delivered = typeof inbox?.last_seq === 'number' ? inbox.last_seq : null;
      const startedAt = typeof info?.started_at === 'number' ? info.started_at : null;
      return {
        id,
        alive: info !== undefined,
        last_seen_ms: lastSeen,
        started_at: startedAt,
        uptime_ms: startedAt === null || info === undefined ? null : now - startedAt,
        nodes_owned: figures.nodes,
        sessions_owned: figures.sessions,
        inbox: {
          published,
          delivered,
          backlog: delivered === null ? null : Math.max(0, published - delivered),
          lag_ms: typeof inbox?.lag_ms === 'number' ? inbox.lag_ms : null,
          replayed: typeof inbox?.replayed === 'number' ? inbox.replayed : null,
          resubscribes: typeof inbox?.resubscribes === 'number' ? inbox.resubscribes : null,
        },
      };
    }),
  );
  return views.sort((a, b) => a.id.localeCompare(b.id));
}

interface AliveInfo {
  started_at?: unknown;
  inbox?: { last_seq?: unknown; lag_ms?: unknown; replayed?: unknown; resubscribes?: unknown };
}

function parseInfo(raw: unknown): AliveInfo | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null ? (v as AliveInfo) : {};
  } catch {
    return {};
  }
}
