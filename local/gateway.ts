import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import type { ResolvedServer } from '../config/types';
import { describeError, type Logger } from '../lambdas/shared/logger';
import { evaluatePolicy } from './iam';

/** One gateway response: what API Gateway answers instead of calling the integration. */
export interface GatewayAnswer {
  readonly statusCode: number;
  readonly body: string;
  readonly errorType: string;
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
}

/** API Gateway's own default bodies (REST APIs), used where the stack defines none. */
export const DEFAULT_ANSWERS: GatewayAnswers = {
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
};

export type AuthorizerFunction = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
export type ProxyFunction = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface LocalGatewayOptions {
  readonly servers: readonly ResolvedServer[];
  /** Loads the authorizer; a failure to load makes keyed routes answer 500 (fail closed). */
  readonly loadAuthorizer: () => Promise<AuthorizerFunction>;
  readonly integration: ProxyFunction;
  /** API Gateway's authorizer result cache TTL; 0 turns it off. */
  readonly cacheTtlSeconds: number;
  readonly logger: Logger;
  /** @default DEFAULT_ANSWERS */
  readonly answers?: Partial<GatewayAnswers>;
  /** @default 10 MiB, as REST APIs */
  readonly maxPayloadBytes?: number;
  /** @default 29000, as REST APIs */
  readonly integrationTimeoutMs?: number;
  /** @default Date.now */
  readonly nowMs?: () => number;
}

const METHODS = new Set(['POST', 'GET', 'DELETE']);
const ACCOUNT = '123456789012';
const API_ID = 'local000000';
const REGION = 'us-east-1';
const STAGE = 'local';

/**
 * A REST API stage on loopback that does what API Gateway does for mcp-gate's routes:
 * routing (403 Missing Authentication Token elsewhere), identity-source checks, the
 * authorizer result cache keyed by identity values, IAM policy evaluation against each
 * request's method ARN, stringified authorizer context, payload and timeout limits.
 */
export function createLocalGateway(options: LocalGatewayOptions) {
  const answers: GatewayAnswers = { ...DEFAULT_ANSWERS, ...options.answers };
  const maxPayload = options.maxPayloadBytes ?? 10 * 1024 * 1024;
  const timeoutMs = options.integrationTimeoutMs ?? 29_000;
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<string, { readonly result: APIGatewayAuthorizerResult; readonly expiresAtMs: number }>();
  let authorizer: Promise<AuthorizerFunction> | undefined;

  const routes = new Map<string, ResolvedServer>();
  for (const server of options.servers) for (const route of server.routes) routes.set(route, server);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const server = routes.get(url.pathname);
    if (!server || !METHODS.has(method)) {
      req.resume();
      return answer(res, answers.MISSING_AUTHENTICATION_TOKEN);
    }
    const body = await readBody(req, maxPayload);
    if (body === undefined) return answer(res, answers.REQUEST_TOO_LARGE);

    const { headers, multiValueHeaders } = headersOf(req);
    const { single: query, multi: multiQuery } = queryOf(url);
    // What the authorizer event and the integration's proxy event share.
    const request = {
      resource: url.pathname,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: query,
      multiValueQueryStringParameters: multiQuery,
    };
    const requestId = randomUUID();
    const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}/${method}${url.pathname}`;
    const requestContext = {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: requestId,
      httpMethod: method,
      identity: identityOf(req),
      path: `/${STAGE}${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: new Date(nowMs()).toUTCString(),
      requestTimeEpoch: nowMs(),
      resourceId: server.name,
      resourcePath: url.pathname,
      stage: STAGE,
    };

    let authorizerContext: Record<string, string> | undefined;
    if (server.authMode !== 'none') {
      const identity = identitySources(server).map(
        (name) => headers[Object.keys(headers).find((h) => h.toLowerCase() === name) ?? ''] ?? '',
      );
      if (options.cacheTtlSeconds > 0 && identity.some((value) => value.trim() === ''))
        return answer(res, answers.UNAUTHORIZED);

      const cacheKey = `${identitySources(server).join(',')}\u0000${identity.join('\u0000')}`;
      let result = cache.get(cacheKey);
      if (!result || result.expiresAtMs <= nowMs()) {
        cache.delete(cacheKey);
        const event: APIGatewayRequestAuthorizerEvent = {
          type: 'REQUEST',
          methodArn,
          ...request,
          pathParameters: {},
          stageVariables: {},
          requestContext: requestContext as unknown as APIGatewayRequestAuthorizerEvent['requestContext'],
        };
        let policy: APIGatewayAuthorizerResult;
        try {
          authorizer ??= options.loadAuthorizer();
          policy = await (await authorizer)(event);
        } catch (error) {
          if (error instanceof Error && error.message === 'Unauthorized') return answer(res, answers.UNAUTHORIZED);
          options.logger.error('authorizer failed', { server: server.name, ...describeError(error) });
          return answer(res, answers.AUTHORIZER_FAILURE);
        }
        if (!isPolicy(policy)) {
          options.logger.error('authorizer returned a malformed result', { server: server.name });
          return answer(res, answers.AUTHORIZER_FAILURE);
        }
        result = { result: policy, expiresAtMs: nowMs() + options.cacheTtlSeconds * 1000 };
        if (options.cacheTtlSeconds > 0) cache.set(cacheKey, result);
      }
      const effect = evaluatePolicy(result.result.policyDocument, methodArn);
      if (effect === 'explicit-deny') return answer(res, answers.EXPLICIT_DENY);
      if (effect === 'implicit-deny') return answer(res, answers.ACCESS_DENIED);
      authorizerContext = { principalId: result.result.principalId };
      for (const [name, value] of Object.entries(result.result.context ?? {})) {
        if (value !== undefined && value !== null) authorizerContext[name] = String(value);
      }
    }

    const proxyEvent = {
      ...request,
      pathParameters: null,
      stageVariables: null,
      requestContext: { ...requestContext, authorizer: authorizerContext ?? null },
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;

    let timer: NodeJS.Timeout | undefined;
    let result: APIGatewayProxyResult | 'timeout';
    try {
      result = await Promise.race([
        options.integration(proxyEvent),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        }),
      ]);
    } catch (error) {
      options.logger.error('integration failed', { server: server.name, ...describeError(error) });
      return answer(res, answers.INTEGRATION_FAILURE);
    } finally {
      clearTimeout(timer);
    }
    if (result === 'timeout') return answer(res, answers.INTEGRATION_TIMEOUT);
    if (!result || typeof result.statusCode !== 'number') return answer(res, answers.INTEGRATION_FAILURE);
    sendProxyResult(res, result);
  }

  return {
    /** The node:http request listener. */
    listener: (req: IncomingMessage, res: ServerResponse): void => {
      handle(req, res).catch((error: unknown) => {
        options.logger.error('local gateway failed', describeError(error));
        if (!res.headersSent) answer(res, answers.INTEGRATION_FAILURE);
        else res.destroy();
      });
    },
    /** Entries in the authorizer result cache; for tests. */
    cacheSize: () => cache.size,
  };
}

/** The identity sources the stack configures for a server's auth mode (lowercase header names). */
export function identitySources(server: ResolvedServer): string[] {
  return server.authMode === 'bearerPassthrough' ? ['x-api-key', 'authorization'] : ['x-api-key'];
}

function answer(res: ServerResponse, gatewayAnswer: GatewayAnswer): void {
  res.writeHead(gatewayAnswer.statusCode, {
    'content-type': 'application/json',
    'x-amzn-errortype': gatewayAnswer.errorType,
    'content-length': Buffer.byteLength(gatewayAnswer.body),
  });
  res.end(gatewayAnswer.body);
}

function isPolicy(value: unknown): value is APIGatewayAuthorizerResult {
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

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
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

function headersOf(req: IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  // No prototype: a header called `constructor` or `__proto__` is just a header.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function queryOf(url: URL): { single: Record<string, string> | null; multi: Record<string, string[]> | null } {
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

function sendProxyResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    headers[name.toLowerCase()] = values.map(String);
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}
