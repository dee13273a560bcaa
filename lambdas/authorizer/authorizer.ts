import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { serverForRoute } from '../../config/routes';
import type { ResolvedServer } from '../../config/types';
import { digestApiKey } from '../keys/key-format';
import type { KeyRecord, KeyStore } from '../keys/key-store';
import { KeyStoreUnavailableError } from '../shared/errors';
import { describeError, type Logger } from '../shared/logger';
import type { AccessTokenItem } from '../oauth/grants-schema';
import { digestToken } from '../oauth/access-token';
import type { TokenReader } from '../oauth/signed-token-reader';
import { checkToken, decide, decideTokenKey, precheck, type Decision, type Denial } from './decide';
import type { AuthorizerRequest } from './event';
import { recordDecision } from './decision-metrics';
import { CachedLookup, LookupCache } from './lookup-cache';
import { allowPolicy, arnPrefix, denyPolicy } from './policy';

/** The routes of a stage that serves one server at its root (see `AuthorizerRequest.stageServer`). */
const STAGE_ROUTES: readonly string[] = ['/'];

/**
 * On a stage that serves one server (its own authorizer, so no cached answer is shared with
 * another server), a credential of another server gets an explicit Deny rather than its own
 * server's Allow, whose routes would mean nothing on this API.
 */
function confine(decision: Decision, request: AuthorizerRequest): Decision {
  if (request.stageServer === undefined || decision.effect !== 'allow' || !decision.crossServer) return decision;
  return { effect: 'forbidden', reason: 'key-of-other-server', server: decision.server, keyId: decision.keyId };
}

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
  /**
   * The OAuth access tokens of `oauth` servers. Without it no token is ever accepted (an
   * `oauth` server then takes only its API keys as `Authorization: Bearer mcpg_…`).
   */
  readonly tokens?: TokenReader;
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
  /** Access tokens by the digest of their value, cached as keys are (misses too). */
  readonly tokenCache: CachedLookup<AccessTokenItem | undefined>;
  /** The keys behind tokens, by key id, cached as keys are: a revocation shows within the TTL. */
  readonly keyIdCache: CachedLookup<KeyRecord | undefined>;
  private warnedNoTokens = false;
  private readonly lastTouchMs = new Map<string, number>();
  private readonly policies = new Map<string, APIGatewayAuthorizerResult>();
  private readonly pendingTouches = new Set<Promise<void>>();
  private readonly clock: Clock;

  constructor(private readonly options: AuthorizerCoreOptions) {
    this.clock = options.clock ?? Date.now;
    this.cache = new LookupCache({ store: options.store, ttlSeconds: options.cacheTtlSeconds, nowMs: this.clock });
    const tokens = options.tokens;
    this.tokenCache = new CachedLookup({
      load: (digest) => (tokens ? tokens.getAccessToken(digest) : Promise.resolve(undefined)),
      ttlSeconds: options.cacheTtlSeconds,
      nowMs: this.clock,
    });
    this.keyIdCache = new CachedLookup({
      load: (keyId) => options.store.getByKeyId(keyId),
      ttlSeconds: options.cacheTtlSeconds,
      nowMs: this.clock,
    });
  }

  async authorize(request: AuthorizerRequest): Promise<AuthorizerOutcome> {
    const prefix = arnPrefix(request.arn);
    const checked = precheck(request, this.options.servers);
    if ('denied' in checked) return this.deny(checked.denied, request, undefined);
    if (!prefix) return this.deny({ effect: 'unauthorized', reason: 'unknown-route' }, request, checked.target);
    if ('token' in checked) return this.authorizeToken(prefix, checked.target, checked.token, request);

    const digest = digestApiKey(checked.apiKey);
    const record = await this.read(() => this.cache.get(digest), 'key-store-unavailable', request, checked.target);
    const decision = decide(
      checked.target,
      record,
      this.options.servers,
      Math.floor(this.clock() / 1000),
      request.hasAuthorization,
    );
    return this.conclude(confine(decision, request), prefix, request, checked.target, record, 'key');
  }

  /**
   * A bearer token on an `oauth` server's route: one cached read of the token, one cached read
   * of the key behind it, then the key's own policy and context.
   */
  private async authorizeToken(
    prefix: string,
    target: ResolvedServer,
    token: string,
    request: AuthorizerRequest,
  ): Promise<AuthorizerOutcome> {
    if (!this.options.tokens) {
      if (!this.warnedNoTokens) {
        this.warnedNoTokens = true;
        this.options.logger.warn('oauth access tokens are refused: no grants table (GRANTS_TABLE_NAME) is configured', {
          requestId: request.requestId,
          targetServer: target.name,
        });
      }
      return this.deny({ effect: 'unauthorized', reason: 'tokens-not-configured' }, request, target);
    }
    const nowSeconds = Math.floor(this.clock() / 1000);
    const item = await this.read(
      () => this.tokenCache.get(digestToken(token)),
      'token-store-unavailable',
      request,
      target,
    );
    const checked = checkToken(item, this.options.servers, nowSeconds);
    if ('effect' in checked) return this.deny(checked, request, target);
    const key = await this.read(() => this.keyIdCache.get(checked.keyId), 'key-store-unavailable', request, target);
    const decision = decideTokenKey(target, checked.server, checked.keyId, key, nowSeconds);
    return this.conclude(confine(decision, request), prefix, request, target, key, 'token', item?.clientId);
  }

  /** A store read that fails closed: an outage is logged as one and thrown (API Gateway's 500), never a denial. */
  private async read<T>(
    lookup: () => Promise<T>,
    reason: 'token-store-unavailable' | 'key-store-unavailable',
    request: AuthorizerRequest,
    target: ResolvedServer,
  ): Promise<T> {
    try {
      return await lookup();
    } catch (error) {
      this.options.logger.error(
        reason === 'key-store-unavailable' ? 'key store unavailable' : 'grants table unavailable',
        {
          requestId: request.requestId,
          decision: 'error',
          reason,
          targetServer: target.name,
          ...describeError(error),
        },
      );
      recordDecision(target.name, 'error', reason, request.requestId);
      throw error instanceof KeyStoreUnavailableError
        ? error
        : new KeyStoreUnavailableError(`${reason === 'key-store-unavailable' ? 'key' : 'token'} lookup failed`, {
            cause: error,
          });
    }
  }

  /**
   * Turns a decision into API Gateway's answer, with its one log line. `key`: the key read (for
   * a token, the key behind it), whose usage identifier an Allow names for the usage plans.
   */
  private conclude(
    decision: Decision,
    prefix: string,
    request: AuthorizerRequest,
    target: ResolvedServer,
    key: KeyRecord | undefined,
    credential: 'key' | 'token',
    clientId?: string,
  ): AuthorizerOutcome {
    if (decision.effect === 'unauthorized') return this.deny(decision, request, target);
    if (decision.effect === 'forbidden') {
      this.options.logger.info('authorization decided', {
        requestId: request.requestId,
        decision: 'deny',
        reason: decision.reason,
        targetServer: target.name,
        server: decision.server.name,
        keyId: decision.keyId,
      });
      recordDecision(target.name, 'deny', decision.reason, request.requestId);
      const { server, keyId } = decision;
      return { policy: denyPolicy(prefix, keyId, { server: server.name, keyId, authMode: server.authMode }) };
    }
    if (key?.digest) this.touch(key.digest, decision.keyId, request.requestId);
    const { server, keyId } = decision;
    // A credential of another server gets its own server's policy, which API Gateway turns into 403 here.
    const reason = decision.crossServer ? `${credential}-of-other-server` : `valid-${credential}`;
    this.options.logger.info('authorization decided', {
      requestId: request.requestId,
      decision: 'allow',
      reason,
      targetServer: target.name,
      server: server.name,
      keyId,
      ...(clientId ? { clientId } : {}),
    });
    recordDecision(target.name, 'allow', reason, request.requestId);
    const usageIdentifierKey = typeof key?.usageIdentifierKey === 'string' ? key.usageIdentifierKey : undefined;
    const routes = request.stageServer === undefined ? server.routes : STAGE_ROUTES;
    return { policy: this.policyFor(prefix, routes, server, keyId, usageIdentifierKey) };
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
    // On an oauth server's own API every route is `/`: the stage names the server.
    const counted =
      target ??
      (request.stageServer !== undefined
        ? this.options.servers.find((server) => server.name === request.stageServer)
        : serverForRoute(this.options.servers, request.routePath));
    recordDecision(counted?.name, 'unauthorized', decision.reason, request.requestId);
    return { unauthorized: true };
  }

  /**
   * A key's Allow policy depends only on the API stage and the key (a stage serves one set of
   * routes): built once, then reused.
   */
  private policyFor(
    prefix: string,
    routes: readonly string[],
    server: ResolvedServer,
    keyId: string,
    usageIdentifierKey: string | undefined,
  ): APIGatewayAuthorizerResult {
    // The identifier is part of the cache key: sync-plans gives an older key one while containers run.
    const cacheKey = `${prefix}\u0000${keyId}\u0000${usageIdentifierKey ?? ''}`;
    let policy = this.policies.get(cacheKey);
    if (!policy) {
      if (this.policies.size >= 10_000) this.policies.clear();
      policy = allowPolicy(
        prefix,
        routes,
        keyId,
        { server: server.name, keyId, authMode: server.authMode },
        usageIdentifierKey,
      );
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
