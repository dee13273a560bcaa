import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { ResolvedServer } from '../../config/types';
import { digestApiKey } from '../keys/key-format';
import type { KeyStore } from '../keys/key-store';
import { KeyStoreUnavailableError } from '../shared/errors';
import { describeError, type Logger } from '../shared/logger';
import { decide, precheck, type Denial } from './decide';
import type { AuthorizerRequest } from './event';
import { LookupCache } from './lookup-cache';
import { allowPolicy, arnPrefix, denyPolicy } from './policy';

/** Milliseconds since the epoch, as `Date.now` answers. Injected so tests move time without waiting. */
export type Clock = () => number;

export interface AuthorizerCoreOptions {
  readonly store: KeyStore;
  readonly servers: readonly ResolvedServer[];
  readonly logger: Logger;
  /** In-memory lookup cache TTL; 0 turns it off. */
  readonly cacheTtlSeconds: number;
  /** Smallest interval between two `lastUsedAt` writes for one key. @default 60 */
  readonly touchIntervalSeconds?: number;
  /** @default Date.now */
  readonly clock?: Clock;
}

/** The answer API Gateway gets: a policy, or `unauthorized` (the handler throws `Unauthorized`). */
export type AuthorizerOutcome = { readonly policy: APIGatewayAuthorizerResult } | { readonly unauthorized: true };

/**
 * The authorizer's core: precheck, cached lookup, decision, policy, log line. Built once per
 * container. Throws `KeyStoreUnavailableError` when the store cannot answer: fail closed.
 * Every log line carries API Gateway's request id, so it joins the access log.
 */
export class AuthorizerCore {
  readonly cache: LookupCache;
  private readonly lastTouchMs = new Map<string, number>();
  private readonly policies = new Map<string, APIGatewayAuthorizerResult>();
  private readonly pendingTouches = new Set<Promise<void>>();
  private readonly clock: Clock;

  constructor(private readonly options: AuthorizerCoreOptions) {
    this.clock = options.clock ?? Date.now;
    this.cache = new LookupCache({ store: options.store, ttlSeconds: options.cacheTtlSeconds, nowMs: this.clock });
  }

  async authorize(request: AuthorizerRequest): Promise<AuthorizerOutcome> {
    const prefix = arnPrefix(request.arn);
    const checked = precheck(request, this.options.servers);
    if ('denied' in checked) return this.deny(checked.denied, request, undefined);
    if (!prefix) return this.deny({ effect: 'unauthorized', reason: 'unknown-route' }, request, checked.target);

    const digest = digestApiKey(checked.apiKey);
    let record;
    try {
      record = await this.cache.get(digest);
    } catch (error) {
      this.options.logger.error('key store unavailable', {
        requestId: request.requestId,
        decision: 'error',
        reason: 'key-store-unavailable',
        targetServer: checked.target.name,
        ...describeError(error),
      });
      throw error instanceof KeyStoreUnavailableError
        ? error
        : new KeyStoreUnavailableError('key lookup failed', { cause: error });
    }
    const decision = decide(
      checked.target,
      record,
      this.options.servers,
      Math.floor(this.clock() / 1000),
      request.hasAuthorization,
    );
    if (decision.effect === 'unauthorized') return this.deny(decision, request, checked.target);
    if (decision.effect === 'forbidden') {
      this.options.logger.info('authorization decided', {
        requestId: request.requestId,
        decision: 'deny',
        reason: decision.reason,
        targetServer: checked.target.name,
        server: decision.server.name,
        keyId: decision.keyId,
      });
      const { server, keyId } = decision;
      return { policy: denyPolicy(prefix, keyId, { server: server.name, keyId, authMode: server.authMode }) };
    }
    if (record) this.touch(record.digest, decision.keyId, request.requestId);
    const { server, keyId } = decision;
    this.options.logger.info('authorization decided', {
      requestId: request.requestId,
      decision: 'allow',
      // A key of another server gets its own server's policy, which API Gateway turns into 403 here.
      reason: decision.crossServer ? 'key-of-other-server' : 'valid-key',
      targetServer: checked.target.name,
      server: server.name,
      keyId,
    });
    return { policy: this.policyFor(prefix, server, keyId) };
  }

  /** Resolves once every `lastUsedAt` write started so far has finished (before a store goes away). */
  async settle(): Promise<void> {
    while (this.pendingTouches.size > 0) await Promise.allSettled([...this.pendingTouches]);
  }

  private deny(decision: Denial, request: AuthorizerRequest, target: ResolvedServer | undefined): AuthorizerOutcome {
    this.options.logger.info('authorization decided', {
      requestId: request.requestId,
      decision: 'unauthorized',
      reason: decision.reason,
      targetServer: target?.name ?? request.routePath,
      keyId: decision.keyId,
    });
    return { unauthorized: true };
  }

  /** A key's Allow policy depends only on the API stage and the key: built once, then reused. */
  private policyFor(prefix: string, server: ResolvedServer, keyId: string): APIGatewayAuthorizerResult {
    const cacheKey = `${prefix}\u0000${keyId}`;
    let policy = this.policies.get(cacheKey);
    if (!policy) {
      if (this.policies.size >= 10_000) this.policies.clear();
      policy = allowPolicy(prefix, server.routes, keyId, { server: server.name, keyId, authMode: server.authMode });
      this.policies.set(cacheKey, policy);
    }
    return policy;
  }

  /** Records a use at most once per interval per key, off the critical path; a failure only logs. */
  private touch(digest: string, keyId: string, requestId: string | undefined): void {
    const now = this.clock();
    const interval = (this.options.touchIntervalSeconds ?? 60) * 1000;
    const last = this.lastTouchMs.get(keyId);
    if (last !== undefined && now - last < interval) return;
    if (this.lastTouchMs.size >= 10_000) this.lastTouchMs.clear();
    this.lastTouchMs.set(keyId, now);
    const write: Promise<void> = this.options.store
      .touch(digest, new Date(now))
      .catch((error: unknown) => {
        this.options.logger.warn('lastUsedAt update failed', { requestId, keyId, ...describeError(error) });
      })
      .finally(() => this.pendingTouches.delete(write));
    this.pendingTouches.add(write);
  }
}
