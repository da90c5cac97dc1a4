import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haproxyTemplatePath, renderHaproxyConfig } from './haproxy-process.js';

const template = readFileSync(haproxyTemplatePath(), 'utf8');

describe('renderHaproxyConfig', () => {
  const rendered = renderHaproxyConfig(template, 41000, [
    { host: '127.0.0.1', port: 41001 },
    { host: '127.0.0.1', port: 41002 },
  ]);

  it('binds the frontend to the given loopback port', () => {
    expect(rendered).toMatch(/^frontend lingua\n\s+bind 127\.0\.0\.1:41000$/m);
    expect(rendered).not.toContain('*:8080');
  });

  it('lists exactly the given backends with health checks', () => {
    const servers = rendered.split('\n').filter((line) => /^\s+server\s/.test(line));
    expect(servers.map((s) => s.trim())).toEqual([
      'server gw1 127.0.0.1:41001 check',
      'server gw2 127.0.0.1:41002 check',
    ]);
  });

  it('keeps the WebSocket timeouts, the /readyz health check and X-Forwarded-For of the template', () => {
    expect(rendered).toMatch(/timeout tunnel \S+/);
    expect(rendered).toContain('option httpchk GET /readyz');
    expect(rendered).toMatch(/^\s+option forwardfor$/m);
  });

  it('refuses a template without backend markers', () => {
    expect(() => renderHaproxyConfig('frontend lingua\n    bind *:1\n', 1, [])).toThrow(
      /HAPROXY_TEMPLATE_INVALID/,
    );
  });
});
