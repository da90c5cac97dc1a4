/** The one schema source: message schemas per socket and direction, built for a given set of limits. */
import type { TSchema } from '@sinclair/typebox';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import { createNodeInboundSchemas, createNodeOutboundSchemas } from './node.js';
import { createSessionInboundSchemas, createSessionOutboundSchemas } from './session.js';

export type NodeInboundSchemas = ReturnType<typeof createNodeInboundSchemas>;
export type NodeOutboundSchemas = ReturnType<typeof createNodeOutboundSchemas>;
export type SessionInboundSchemas = ReturnType<typeof createSessionInboundSchemas>;
export type SessionOutboundSchemas = ReturnType<typeof createSessionOutboundSchemas>;

/** Schemas of one socket direction, keyed by the wire `type`. */
export type SchemaSet = Readonly<Record<string, TSchema>>;

export interface ProtocolSchemas {
  readonly nodeInbound: NodeInboundSchemas;
  readonly nodeOutbound: NodeOutboundSchemas;
  readonly sessionInbound: SessionInboundSchemas;
  readonly sessionOutbound: SessionOutboundSchemas;
}

export function createSchemas(limits: Limits): ProtocolSchemas {
  return {
    nodeInbound: createNodeInboundSchemas(limits),
    nodeOutbound: createNodeOutboundSchemas(limits),
    sessionInbound: createSessionInboundSchemas(limits),
    sessionOutbound: createSessionOutboundSchemas(limits),
  };
}

let defaults: ProtocolSchemas | undefined;

/** The schemas at DEFAULT_LIMITS (built on first use). */
export function defaultSchemas(): ProtocolSchemas {
  defaults ??= createSchemas(DEFAULT_LIMITS);
  return defaults;
}

export {
  createNodeInboundSchemas,
  createNodeOutboundSchemas,
  createSessionInboundSchemas,
  createSessionOutboundSchemas,
};
