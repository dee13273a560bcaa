import type { ResolvedServer } from '../../config/types';
import type { AuthorizerContext } from './api-gateway';
import type { McpInvocation } from './core';

export type InvocationDecision =
  { readonly ok: true; readonly invocation: McpInvocation } | { readonly ok: false; readonly reason: string };

/**
 * Checks that the authorizer vouched for this caller on this server. Public servers need
 * no context (and report no key id). Guarded servers fail closed: a missing context means
 * the route bypassed the authorizer, and a context for another server or mode is refused.
 */
export function resolveInvocation(server: ResolvedServer, context: AuthorizerContext | undefined): InvocationDecision {
  if (server.authMode === 'none') return { ok: true, invocation: { server, keyId: null } };
  if (!context) return { ok: false, reason: 'no authorizer context on a guarded server' };
  if (context.server !== server.name) return { ok: false, reason: 'authorizer context names another server' };
  if (context.authMode !== undefined && context.authMode !== server.authMode) {
    return { ok: false, reason: 'authorizer context auth mode differs from the configuration' };
  }
  if (context.keyId === undefined) return { ok: false, reason: 'authorizer context has no keyId' };
  return { ok: true, invocation: { server, keyId: context.keyId } };
}
