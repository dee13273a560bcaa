import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { IDENTITY_HEADERS, isGuarded } from '../config/identity-sources';
import { OAUTH_PATHS, oauthChallenge } from '../config/oauth';
import { answersPreflights, matchRoute, MCP_METHODS, PREFLIGHT_METHOD, type RouteMatch } from '../config/routes';
import type { ResolvedServer } from '../config/types';
import { describeError, type Logger } from '../lambdas/shared/logger';
import { PAYLOAD_LIMITS } from '../lib/gateway-responses';
import { evaluatePolicy } from './iam';
import type { GatewayRequestRecord } from './request-log';

/** One gateway response: what API Gateway answers instead of calling the integration. */
export interface GatewayAnswer {
  readonly statusCode: number;
  readonly body: string;
  readonly errorType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The answers this gateway gives itself, by API Gateway's response type. */
export interface GatewayAnswers {
  readonly UNAUTHORIZED: GatewayAnswer;
  readonly ACCESS_DENIED: GatewayAnswer;
  readonly EXPLICIT_DENY: GatewayAnswer;
  readonly AUTHORIZER_FAILURE: GatewayAnswer;
  readonly MISSING_AUTHENTICATION_TOKEN: GatewayAnswer;
  readonly REQUEST_TOO_LARGE: GatewayAnswer;
  readonly INTEGRATION_TIMEOUT: GatewayAnswer;
  readonly INTEGRATION_FAILURE: GatewayAnswer;
  readonly THROTTLED: GatewayAnswer;
  readonly QUOTA_EXCEEDED: GatewayAnswer;
  readonly INVALID_API_KEY: GatewayAnswer;
}

/** API Gateway's own default bodies (REST APIs), used where the stack defines none. */
const DEFAULT_ANSWERS: GatewayAnswers = {
  UNAUTHORIZED: { statusCode: 401, body: '{"message":"Unauthorized"}', errorType: 'UnauthorizedException' },
  ACCESS_DENIED: {
    statusCode: 403,
    body: '{"Message":"User is not authorized to access this resource"}',
    errorType: 'AccessDeniedException',
  },
  EXPLICIT_DENY: {
    statusCode: 403,
    body: '{"Message":"User is not authorized to access this resource with an explicit deny"}',
    errorType: 'AccessDeniedException',
  },
  AUTHORIZER_FAILURE: { statusCode: 500, body: '{"message":null}', errorType: 'AuthorizerConfigurationException' },
  MISSING_AUTHENTICATION_TOKEN: {
    statusCode: 403,
    body: '{"message":"Missing Authentication Token"}',
    errorType: 'MissingAuthenticationTokenException',
  },
  REQUEST_TOO_LARGE: { statusCode: 413, body: '{"message":"Request Too Long"}', errorType: 'RequestTooLargeException' },
  INTEGRATION_TIMEOUT: {
    statusCode: 504,
    body: '{"message":"Endpoint request timed out"}',
    errorType: 'IntegrationTimeoutException',
  },
  INTEGRATION_FAILURE: {
    statusCode: 502,
    body: '{"message":"Internal server error"}',
    errorType: 'InternalServerErrorException',
  },
  THROTTLED: { statusCode: 429, body: '{"message":"Too Many Requests"}', errorType: 'TooManyRequestsException' },
  QUOTA_EXCEEDED: { statusCode: 429, body: '{"message":"Limit Exceeded"}', errorType: 'LimitExceededException' },
  INVALID_API_KEY: { statusCode: 403, body: '{"message":"Forbidden"}', errorType: 'ForbiddenException' },
};

export type AuthorizerFunction = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
export type ProxyFunction = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The authorization server of `oauth` servers, as the gateway serves it. */
export interface LocalOAuthOptions {
  /** The issuer (the stage's origin, e.g. `http://127.0.0.1:3000`): the challenge's metadata URLs start with it. */
  readonly issuer: string;
  /** Loads the authorization server's handler; a failure to load makes its paths answer 502. */
  readonly loadHandler: () => Promise<ProxyFunction>;
  /** The 401 an `oauth` server's route answers, with its challenge added. @default the gateway's UNAUTHORIZED */
  readonly unauthorized?: GatewayAnswer;
}

export interface LocalGatewayOptions {
  readonly servers: readonly ResolvedServer[];
  /** Serves the authorization server's paths; used only when some server's mode is `oauth`. */
  readonly oauth?: LocalOAuthOptions;
  /** Loads the authorizer; a failure to load makes keyed routes answer 500 (fail closed). */
  readonly loadAuthorizer: () => Promise<AuthorizerFunction>;
  readonly integration: ProxyFunction;
  /** API Gateway's authorizer result cache TTL; 0 turns it off. */
  readonly cacheTtlSeconds: number;
  readonly logger: Logger;
  /** @default DEFAULT_ANSWERS */
  readonly answers?: Partial<GatewayAnswers>;
  /** @default PAYLOAD_LIMITS.maxRequestBytes (10 MiB, as REST APIs) */
  readonly maxPayloadBytes?: number;
  /** @default PAYLOAD_LIMITS.integrationTimeoutMs (29 s, as REST APIs) */
  readonly integrationTimeoutMs?: number;
  /** @default Date.now */
  readonly nowMs?: () => number;
  /**
   * The usage plans of keyed routes (the stack's API key source is the authorizer): each
   * allowed request is admitted and counted, or refused with the plan's gateway response.
   * @default none: no plans are enforced
   */
  readonly usagePlans?: {
    admit(result: APIGatewayAuthorizerResult): Promise<'THROTTLED' | 'QUOTA_EXCEEDED' | 'INVALID_API_KEY' | undefined>;
  };
  /** Called once per request when its response is sent or the connection closes (the request log). */
  readonly onRequest?: (request: GatewayRequestRecord) => void;
}

/** What a request's log line needs from its handling, filled in as it goes. */
export type RequestSeen = { requestId?: string; server?: string; keyId?: string };

/**
 * Reports the request to `onRequest` once its response is sent or the connection closes,
 * with what its handling filled into the returned record by then.
 */
export function reportRequest(
  req: IncomingMessage,
  res: ServerResponse,
  onRequest: LocalGatewayOptions['onRequest'],
): RequestSeen {
  const seen: RequestSeen = {};
  const started = performance.now();
  res.once('close', () =>
    onRequest?.({
      ...seen,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      status: res.statusCode,
      durationMs: performance.now() - started,
    }),
  );
  return seen;
}

/** The methods the stack deploys on every route (OPTIONS only where the server allows browser origins). */
const METHODS: ReadonlySet<string> = new Set(MCP_METHODS);
const ACCOUNT = '123456789012';
const API_ID = 'local000000';
const REGION = 'us-east-1';
const STAGE = 'local';

/** A request API Gateway routed to a method of a configured route. */
export interface Routed extends RouteMatch {
  /** Which integration answers: an MCP server's handler, or the authorization server. */
  readonly integration: 'mcp' | 'oauth';
  readonly method: string;
  /** The concrete request path. */
  readonly path: string;
  /** Whether the authorizer runs: keyed servers, except CORS preflight (deployed with authorization NONE). */
  readonly guarded: boolean;
}

/** What the authorizer event and the proxy event share, as API Gateway builds both for one request. */
interface RequestShape {
  readonly resource: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly requestContext: Record<string, unknown> & { readonly requestId: string };
}

/** The authorize step's outcome: the context handed to the integration, or the gateway's own answer. */
type Authorization =
  { readonly context: Record<string, string> | null; readonly answer?: undefined } | { readonly answer: GatewayAnswer };

/**
 * A REST API stage on loopback that does what API Gateway does for mcp-gate's routes:
 * routing (`{param}` routes included; 403 Missing Authentication Token elsewhere),
 * identity-source checks, the authorizer result cache keyed by identity values, IAM policy
 * evaluation against each request's method ARN, stringified authorizer context, payload and
 * timeout limits. One request is three steps: route, authorize, invoke.
 */
/**
 * The route and method the deployed API matches (the same on a REST API and an HTTP API), or
 * undefined; `oauthServers` when the stack serves the OAuth endpoints too.
 */
export function routerFor(
  servers: readonly ResolvedServer[],
  oauthServers: readonly ResolvedServer[] | undefined,
): (method: string, path: string) => Routed | undefined {
  return (method, path) => {
    const served = oauthServers ? oauthRoute(oauthServers, method, path) : undefined;
    if (served) return served;
    const match = matchRoute(servers, path);
    if (!match) return undefined;
    const preflight = method === PREFLIGHT_METHOD && answersPreflights(match.server);
    if (!METHODS.has(method) && !preflight) return undefined;
    return { ...match, integration: 'mcp', method, path, guarded: isGuarded(match.server.authMode) && !preflight };
  };
}

/** What the authorizer said for one request: its policy, or why there is none. */
export type AuthorizerOutcome = APIGatewayAuthorizerResult | 'unauthorized' | 'failed';

/**
 * The authorizer as both API types call it: loaded on first use, each policy kept by its cache
 * key for `cacheTtlSeconds` (none at 0). `event` is built only on a miss. A thrown
 * `Unauthorized` is `'unauthorized'`; any other failure or a result that is no policy is logged
 * and `'failed'`, which each gateway answers in its own way (fail closed).
 */
export function cachedAuthorizer(
  options: Pick<LocalGatewayOptions, 'loadAuthorizer' | 'cacheTtlSeconds' | 'logger' | 'nowMs'>,
): {
  readonly policy: (cacheKey: string, event: () => unknown, log: Record<string, unknown>) => Promise<AuthorizerOutcome>;
  /** Entries in the cache. */
  readonly size: () => number;
} {
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<string, { readonly result: APIGatewayAuthorizerResult; readonly expiresAtMs: number }>();
  let authorizer: Promise<AuthorizerFunction> | undefined;
  const policy = async (cacheKey: string, event: () => unknown, log: Record<string, unknown>) => {
    const cached = cache.get(cacheKey);
    if (cached && cached.expiresAtMs > nowMs()) return cached.result;
    cache.delete(cacheKey);
    let result: unknown;
    try {
      authorizer ??= options.loadAuthorizer();
      result = await (await authorizer)(event() as never);
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') return 'unauthorized';
      options.logger.error('authorizer failed', { ...log, ...describeError(error) });
      return 'failed';
    }
    if (!isPolicy(result)) {
      options.logger.error('authorizer returned a malformed result', log);
      return 'failed';
    }
    if (options.cacheTtlSeconds > 0) {
      cache.set(cacheKey, { result, expiresAtMs: nowMs() + options.cacheTtlSeconds * 1000 });
    }
    return result;
  };
  return { policy, size: () => cache.size };
}

/**
 * The integration's result within `timeoutMs` (API Gateway's integration timeout): `'timeout'`
 * past it, `'failed'` when it throws (logged with `log`) or answers without a status code.
 */
export async function callIntegration<E, R>(
  integration: (event: E) => Promise<R>,
  event: E,
  timeoutMs: number,
  logger: Logger,
  log: Record<string, unknown>,
): Promise<R | 'timeout' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  let result: R | 'timeout';
  try {
    result = await Promise.race([
      integration(event),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
  } catch (error) {
    logger.error('integration failed', { ...log, ...describeError(error) });
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
  if (result === 'timeout') return result;
  const status = (result as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? result : 'failed';
}

/** A function loaded on its first call (the authorization server's, which most requests never need). */
export function loadedOnFirstCall<E, R>(load: () => Promise<(event: E) => Promise<R>>): (event: E) => Promise<R> {
  let loaded: Promise<(event: E) => Promise<R>> | undefined;
  return async (event) => {
    loaded ??= load();
    return (await loaded)(event);
  };
}

export function createLocalGateway(options: LocalGatewayOptions) {
  const answers: GatewayAnswers = { ...DEFAULT_ANSWERS, ...options.answers };
  const maxPayload = options.maxPayloadBytes ?? PAYLOAD_LIMITS.maxRequestBytes;
  const timeoutMs = options.integrationTimeoutMs ?? PAYLOAD_LIMITS.integrationTimeoutMs;
  const nowMs = options.nowMs ?? Date.now;
  const authorizer = cachedAuthorizer(options);
  const oauthServers = options.servers.filter((server) => server.authMode === 'oauth');
  const oauth = oauthServers.length > 0 ? options.oauth : undefined;
  const oauthHandler: ProxyFunction | undefined = oauth && loadedOnFirstCall(oauth.loadHandler);

  /** Step 1: the route and method API Gateway would match, or undefined (403 Missing Authentication Token). */
  const route = routerFor(options.servers, oauth ? oauthServers : undefined);

  /** The 401 of an `oauth` server's route: the gateway's answer, with the challenge that starts OAuth discovery. */
  function challenge(target: Routed, issuer: string): GatewayAnswer & { readonly headers: Record<string, string> } {
    return {
      ...(oauth?.unauthorized ?? answers.UNAUTHORIZED),
      // The concrete path: a `{param}` route's metadata URL names the value the client used.
      headers: { 'www-authenticate': oauthChallenge(issuer, target.path) },
    };
  }

  function integrationOf(target: Routed): ProxyFunction {
    return target.integration === 'mcp' ? options.integration : oauthHandler!;
  }

  /** Step 2: identity sources, the authorizer's policy (cached by identity values) evaluated against the method ARN. */
  async function authorize(target: Routed, request: RequestShape): Promise<Authorization> {
    const identity = identityValues(target.server, request.headers);
    if (options.cacheTtlSeconds > 0 && identity.some((value) => value.trim() === '')) {
      return { answer: answers.UNAUTHORIZED };
    }
    const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}/${target.method}${target.path}`;
    const cacheKey = `${IDENTITY_HEADERS[target.server.authMode].join(',')}\u0000${identity.join('\u0000')}`;
    const policy = await authorizer.policy(
      cacheKey,
      () => ({
        type: 'REQUEST',
        methodArn,
        ...request,
        pathParameters: { ...target.pathParameters },
        stageVariables: {},
      }),
      { requestId: request.requestContext.requestId, server: target.server.name },
    );
    if (policy === 'unauthorized') return { answer: answers.UNAUTHORIZED };
    if (policy === 'failed') return { answer: answers.AUTHORIZER_FAILURE };
    const effect = evaluatePolicy(policy.policyDocument, methodArn);
    if (effect === 'explicit-deny') return { answer: answers.EXPLICIT_DENY };
    if (effect === 'implicit-deny') return { answer: answers.ACCESS_DENIED };
    const refused = await options.usagePlans?.admit(policy);
    if (refused) return { answer: answers[refused] };
    const context: Record<string, string> = { principalId: policy.principalId };
    for (const [name, value] of Object.entries(policy.context ?? {})) {
      if (value !== undefined && value !== null) context[name] = String(value);
    }
    return { context };
  }

  /** Step 3: the proxy event to the integration, within the timeout; its result or the gateway's answer. */
  async function invoke(
    target: Routed,
    request: RequestShape,
    body: Buffer,
    context: Record<string, string> | null,
  ): Promise<{ readonly result: APIGatewayProxyResult } | { readonly answer: GatewayAnswer }> {
    const proxyEvent = {
      ...request,
      pathParameters: Object.keys(target.pathParameters).length > 0 ? { ...target.pathParameters } : null,
      stageVariables: null,
      requestContext: { ...request.requestContext, authorizer: context },
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;

    const result = await callIntegration(integrationOf(target), proxyEvent, timeoutMs, options.logger, {
      requestId: request.requestContext.requestId,
      server: target.integration === 'oauth' ? 'oauth' : target.server.name,
    });
    if (result === 'timeout') return { answer: answers.INTEGRATION_TIMEOUT };
    if (result === 'failed') return { answer: answers.INTEGRATION_FAILURE };
    return { result };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, seen: RequestSeen): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = route((req.method ?? 'GET').toUpperCase(), url.pathname);
    if (!target) {
      req.resume();
      return answer(res, answers.MISSING_AUTHENTICATION_TOKEN);
    }
    const body = await readBody(req, maxPayload);
    if (body === undefined) return answer(res, answers.REQUEST_TOO_LARGE);

    const request = requestShape(req, url, target, nowMs());
    Object.assign(seen, { requestId: request.requestContext.requestId, server: target.server.name });
    const authorization = target.guarded ? await authorize(target, request) : { context: null };
    if (authorization.answer) {
      // An `oauth` server's 401 invites OAuth discovery; API Gateway sends it as this route's UNAUTHORIZED response.
      const unauthorized = authorization.answer === answers.UNAUTHORIZED && target.server.authMode === 'oauth';
      return answer(res, unauthorized && oauth ? challenge(target, oauth.issuer) : authorization.answer);
    }
    seen.keyId = authorization.context?.keyId;
    const outcome = await invoke(target, request, body, authorization.context);
    if ('answer' in outcome) return answer(res, outcome.answer);
    sendProxyResult(res, outcome.result);
  }

  return {
    /** The node:http request listener. */
    listener: (req: IncomingMessage, res: ServerResponse): void => {
      const seen = reportRequest(req, res, options.onRequest);
      handle(req, res, seen).catch((error: unknown) => {
        options.logger.error('local gateway failed', describeError(error));
        if (!res.headersSent) answer(res, answers.INTEGRATION_FAILURE);
        else res.destroy();
      });
    },
    /** Entries in the authorizer result cache; for tests. */
    cacheSize: authorizer.size,
  };
}

/** The request as both events carry it, with one request id for the authorizer's and the integration's logs. */
function requestShape(req: IncomingMessage, url: URL, target: Routed, now: number): RequestShape {
  const { headers, multiValueHeaders } = headersOf(req);
  const { single, multi } = queryOf(url);
  const requestId = randomUUID();
  return {
    resource: target.route,
    path: target.path,
    httpMethod: target.method,
    headers,
    multiValueHeaders,
    queryStringParameters: single,
    multiValueQueryStringParameters: multi,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: requestId,
      httpMethod: target.method,
      identity: identityOf(req),
      path: `/${STAGE}${target.path}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: target.integration === 'oauth' ? 'oauth' : target.server.name,
      resourcePath: target.route,
      stage: STAGE,
    },
  };
}

/** The values of the server's identity sources ('' when absent), read as API Gateway reads them: a repeated header's last value. */
export function identityValues(server: ResolvedServer, headers: Record<string, string>): string[] {
  return IDENTITY_HEADERS[server.authMode].map((name) => headerValue(headers, name) ?? '');
}

/** A header's value by case-insensitive name (the maps hold one spelling per name). */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/**
 * The paths of the authorization server, routed only when some server is `oauth`: the AS
 * metadata (and its OpenID alias), the root protected-resource metadata and each `oauth`
 * server's own (its route inserted after the well-known path), and everything under the
 * endpoint prefix. Every method reaches the handler, which answers 405 where it must. No
 * authorizer: these are public, as a person's browser and a client's discovery reach them.
 */
function oauthRoute(servers: readonly ResolvedServer[], method: string, path: string): Routed | undefined {
  const owner = servers[0];
  const routed = (resource: string, pathParameters: Record<string, string> = {}): Routed => ({
    server: owner,
    route: resource,
    pathParameters,
    integration: 'oauth',
    method,
    path,
    guarded: false,
  });
  if (
    path === OAUTH_PATHS.authorizationServerMetadata ||
    path === OAUTH_PATHS.openidConfiguration ||
    path === OAUTH_PATHS.protectedResourceMetadata
  ) {
    return routed(path);
  }
  const prefix = `${OAUTH_PATHS.endpointPrefix}/`;
  if (path.startsWith(prefix) && path.length > prefix.length) {
    return routed(`${OAUTH_PATHS.endpointPrefix}/{proxy+}`, { proxy: decodePath(path.slice(prefix.length)) });
  }
  const metadataPrefix = `${OAUTH_PATHS.protectedResourceMetadata}/`;
  if (path.startsWith(metadataPrefix)) {
    const match = matchRoute(servers, path.slice(metadataPrefix.length - 1));
    if (match) return routed(`${OAUTH_PATHS.protectedResourceMetadata}${match.route}`, { ...match.pathParameters });
  }
  return undefined;
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function answer(
  res: ServerResponse,
  gatewayAnswer: GatewayAnswer & { readonly headers?: Record<string, string> },
): void {
  res.writeHead(gatewayAnswer.statusCode, {
    ...gatewayAnswer.headers,
    'content-type': 'application/json',
    'x-amzn-errortype': gatewayAnswer.errorType,
    'content-length': Buffer.byteLength(gatewayAnswer.body),
  });
  res.end(gatewayAnswer.body);
}

export function isPolicy(value: unknown): value is APIGatewayAuthorizerResult {
  const v = value as APIGatewayAuthorizerResult | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.principalId === 'string' &&
    typeof v.policyDocument === 'object' &&
    v.policyDocument !== null &&
    Array.isArray(v.policyDocument.Statement)
  );
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The headers as REST APIs (payload 1.0) pass them: `headers` holds a repeated header's last
 * value, `multiValueHeaders` all of them in order. Names match case-insensitively; the first
 * spelling received names the header.
 */
function headersOf(req: IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  // No prototype: a header called `constructor` or `__proto__` is just a header.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  const spelling = new Map<string, string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const lower = req.rawHeaders[i].toLowerCase();
    const name = spelling.get(lower) ?? req.rawHeaders[i];
    spelling.set(lower, name);
    const value = req.rawHeaders[i + 1];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

export function queryOf(url: URL): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
  if ([...url.searchParams.keys()].length === 0) return { single: null, multi: null };
  const single: Record<string, string> = Object.create(null);
  const multi: Record<string, string[]> = Object.create(null);
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

/** `requestContext.identity` as REST APIs fill it for an unauthenticated caller. */
export function identityOf(req: IncomingMessage) {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    user: null,
    userAgent: req.headers['user-agent'] ?? null,
    userArn: null,
  };
}

/** A header an integration may not set: API Gateway renames it, so only its own responses carry the name. */
const REMAPPED_HEADERS: Readonly<Record<string, string>> = {
  'www-authenticate': 'x-amzn-remapped-www-authenticate',
};

export function sendProxyResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  const nameOf = (name: string) => REMAPPED_HEADERS[name.toLowerCase()] ?? name.toLowerCase();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[nameOf(name)] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    headers[nameOf(name)] = values.map(String);
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}
