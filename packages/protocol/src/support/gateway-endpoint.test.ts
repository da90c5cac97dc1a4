import { describe, expect, it } from 'vitest';
import { gatewayEndpoint } from './gateway-endpoint.js';

describe('gatewayEndpoint', () => {
  it.each([
    ['ws://127.0.0.1:5010', 'ws://127.0.0.1:5010/ws/node'],
    ['http://gw:80/', 'ws://gw/ws/node'],
    ['https://gw.example', 'wss://gw.example/ws/node'],
    ['wss://gw/custom/path?x=1', 'wss://gw/custom/path?x=1'],
  ])('%s → %s', (address, endpoint) => {
    expect(gatewayEndpoint(new URL(address), '/ws/node')).toBe(endpoint);
  });

  it('refuses schemes a WebSocket cannot use and leaves the given URL alone', () => {
    expect(gatewayEndpoint(new URL('ftp://gw'), '/ws/session')).toBeUndefined();
    const address = new URL('http://gw');
    gatewayEndpoint(address, '/ws/session');
    expect(address.href).toBe('http://gw/');
  });
});
