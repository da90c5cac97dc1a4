/**
 * A tiny GET router for the gateway's HTTP endpoints: exact paths and `:param` segments, JSON responses.
 * The surface is a handful of read-only routes, which does not justify a web framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpReply {
  status: number;
  body: string;
  contentType?: string;
}

export type RouteHandler = (
  params: Record<string, string>,
  req: IncomingMessage,
) => Promise<HttpReply> | HttpReply;

interface CompiledRoute {
  parts: string[];
  handler: RouteHandler;
}

export function json(status: number, value: unknown): HttpReply {
  return { status, body: JSON.stringify(value), contentType: 'application/json; charset=utf-8' };
}

/** Runs before every matched route: a reply refuses the request (e.g. 401), undefined lets it through. */
export type RouteGuard = (req: IncomingMessage, path: string) => Promise<HttpReply | undefined>;

export class HttpRouter {
  private readonly routes: CompiledRoute[] = [];

  constructor(private readonly guard?: RouteGuard) {}

  get(pattern: string, handler: RouteHandler): void {
    this.routes.push({ parts: pattern.split('/').filter(Boolean), handler });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const match = this.match(path);
    let reply: HttpReply;
    if (!match) {
      reply = json(404, { error: { code: 'NOT_FOUND', message: `no route for ${path}` } });
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply = json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET is supported' } });
    } else {
      try {
        reply = (await this.guard?.(req, path)) ?? (await match.route.handler(match.params, req));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        reply = json(500, { error: { code: 'INTERNAL_ERROR', message } });
      }
    }
    res.writeHead(reply.status, {
      'content-type': reply.contentType ?? 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  private match(path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    const segs = path.split('/').filter(Boolean);
    outer: for (const route of this.routes) {
      if (route.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < segs.length; i++) {
        const want = route.parts[i] ?? '';
        const got = segs[i] ?? '';
        if (want.startsWith(':')) {
          try {
            params[want.slice(1)] = decodeURIComponent(got);
          } catch {
            continue outer;
          }
        } else if (want !== got) continue outer;
      }
      return { route, params };
    }
    return undefined;
  }
}
