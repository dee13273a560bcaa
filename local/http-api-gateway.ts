import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { describeError } from '../lambdas/shared/logger';
import { PAYLOAD_LIMITS } from '../lib/gateway-responses';
import {
  answer,
  cachedAuthorizer,
  callIntegration,
  identityValues,
  loadedOnFirstCall,
  queryOf,
  readBody,
  reportRequest,
  routerFor,
  sendProxyResult,
  type GatewayAnswer,
  type LocalGatewayOptions,
  type RequestSeen,
  type Routed,
} from './gateway';
import { evaluatePolicy } from './iam';

/**
 * What an HTTP API answers by itself. It has no gateway responses to customise: these bodies
 * are API Gateway's own, whatever the stack (lib/http-api.ts names what that costs).
 */
export const HTTP_API_ANSWERS = {
  UNAUTHORIZED: { statusCode: 401, body: '{"message":"Unauthorized"}', errorType: 'UnauthorizedException' },
  FORBIDDEN: { statusCode: 403, body: '{"message":"Forbidden"}', errorType: 'ForbiddenException' },
  NOT_FOUND: { statusCode: 404, body: '{"message":"Not Found"}', errorType: 'NotFoundException' },
  REQUEST_TOO_LARGE: { statusCode: 413, body: '{"message":"Request Entity Too Large"}', errorType: 'RequestTooLarge' },
  INTERNAL: { statusCode: 500, body: '{"message":"Internal Server Error"}', errorType: 'InternalServerError' },
  UNAVAILABLE: { statusCode: 503, body: '{"message":"Service Unavailable"}', errorType: 'ServiceUnavailable' },
} as const satisfies Record<string, GatewayAnswer>;

/** HTTP APIs end an integration after 30 s. */
const HTTP_INTEGRATION_TIMEOUT_MS = 30_000;
const ACCOUNT = '123456789012';
const API_ID = 'localhttp00';
const REGION = 'us-east-1';
const STAGE = '$default';

type HttpAuthorizerEvent = Record<string, unknown> & { readonly routeArn: string };
type HttpProxyFunction = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult & { cookies?: string[] }>;

/**
 * An API Gateway HTTP API on loopback, as the stack deploys it with `apiType: 'http'`: routes
 * `POST`/`GET`/`DELETE /<server>/mcp` (404 `{"message":"Not Found"}` elsewhere), payload 2.0
 * events to the authorizer and the handlers, a missing identity source answered 401 without
 * calling the authorizer, the authorizer's IAM policy cached by identity values and route key
 * and evaluated against each request's route ARN (denied: 403 `{"message":"Forbidden"}`),
 * and the context handed on as `requestContext.authorizer.lambda`. Takes the options of the
 * REST emulation (local/gateway.ts), `onRequest` included; its gateway responses and usage
 * plans do not apply here.
 */
export function createLocalHttpApiGateway(options: LocalGatewayOptions) {
  const maxPayload = options.maxPayloadBytes ?? PAYLOAD_LIMITS.maxRequestBytes;
  const timeoutMs = options.integrationTimeoutMs ?? HTTP_INTEGRATION_TIMEOUT_MS;
  const nowMs = options.nowMs ?? Date.now;
  const authorizer = cachedAuthorizer(options);
  const oauthServers = options.servers.filter((server) => server.authMode === 'oauth');
  const oauth = oauthServers.length > 0 ? options.oauth : undefined;
  const oauthHandler = oauth && (loadedOnFirstCall(oauth.loadHandler) as unknown as HttpProxyFunction);

  const route = routerFor(options.servers, oauth ? oauthServers : undefined);

  async function authorize(
    target: Routed,
    request: Omit<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>,
  ): Promise<{ readonly context: Record<string, unknown> } | { readonly answer: GatewayAnswer }> {
    const identity = identityValues(target.server, request.headers as Record<string, string>);
    if (identity.some((value) => value.trim() === '')) return { answer: HTTP_API_ANSWERS.UNAUTHORIZED };
    const routeArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}/${target.method}${target.path}`;
    const cacheKey = `${request.routeKey}\u0000${identity.join('\u0000')}`;
    const policy = await authorizer.policy(
      cacheKey,
      (): HttpAuthorizerEvent => ({
        ...request,
        type: 'REQUEST',
        routeArn,
        identitySource: [...identity, request.routeKey],
      }),
      { requestId: request.requestContext.requestId, server: target.server.name },
    );
    if (policy === 'unauthorized') return { answer: HTTP_API_ANSWERS.UNAUTHORIZED };
    if (policy === 'failed') return { answer: HTTP_API_ANSWERS.INTERNAL };
    if (evaluatePolicy(policy.policyDocument, routeArn) !== 'allow') return { answer: HTTP_API_ANSWERS.FORBIDDEN };
    return { context: { ...policy.context } };
  }

  async function invoke(target: Routed, event: APIGatewayProxyEventV2): Promise<void | GatewayAnswer> {
    const integration: HttpProxyFunction =
      target.integration === 'mcp' ? (options.integration as unknown as HttpProxyFunction) : oauthHandler!;
    const result = await callIntegration(integration, event, timeoutMs, options.logger, {
      requestId: event.requestContext.requestId,
    });
    if (result === 'timeout') return HTTP_API_ANSWERS.UNAVAILABLE;
    if (result === 'failed') return HTTP_API_ANSWERS.INTERNAL;
    return result as never;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, seen: RequestSeen): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const target = route(method, url.pathname);
    if (!target) {
      req.resume();
      return answer(res, HTTP_API_ANSWERS.NOT_FOUND);
    }
    const body = await readBody(req, maxPayload);
    if (body === undefined) return answer(res, HTTP_API_ANSWERS.REQUEST_TOO_LARGE);
    const request = requestV2(req, url, target, nowMs());
    Object.assign(seen, { requestId: request.requestContext.requestId, server: target.server.name });
    let context: Record<string, unknown> | undefined;
    if (target.guarded) {
      const outcome = await authorize(target, request);
      if ('answer' in outcome) return answer(res, outcome.answer);
      context = outcome.context;
      if (typeof context.keyId === 'string') seen.keyId = context.keyId;
    }
    const event: APIGatewayProxyEventV2 = {
      ...request,
      requestContext: { ...request.requestContext, ...(context ? { authorizer: { lambda: context } } : {}) },
      ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
      isBase64Encoded: false,
    } as APIGatewayProxyEventV2;
    const outcome = await invoke(target, event);
    if (outcome && 'errorType' in outcome) return answer(res, outcome);
    const result = outcome as unknown as APIGatewayProxyResult & { cookies?: string[] };
    sendProxyResult(res, {
      ...result,
      multiValueHeaders: result.cookies?.length ? { 'set-cookie': result.cookies } : result.multiValueHeaders,
    });
  }

  return {
    listener: (req: IncomingMessage, res: ServerResponse): void => {
      handle(req, res, reportRequest(req, res, options.onRequest)).catch((error: unknown) => {
        options.logger.error('local gateway failed', describeError(error));
        if (!res.headersSent) answer(res, HTTP_API_ANSWERS.INTERNAL);
        else res.destroy();
      });
    },
    /** Entries in the authorizer result cache; for tests. */
    cacheSize: authorizer.size,
  };
}

/**
 * The request as payload 2.0 carries it: header names lower-cased, a repeated header's values
 * joined with commas, cookies apart, the route key and the raw path and query.
 */
function requestV2(
  req: IncomingMessage,
  url: URL,
  target: Routed,
  now: number,
): Omit<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'> {
  const headers: Record<string, string> = Object.create(null);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    headers[name] = headers[name] === undefined ? req.rawHeaders[i + 1] : `${headers[name]},${req.rawHeaders[i + 1]}`;
  }
  const cookies = headers.cookie?.split(';').map((cookie) => cookie.trim());
  delete headers.cookie;
  const requestId = randomUUID();
  const routeKey = `${target.method} ${target.route}`;
  const { single } = queryOf(url);
  return {
    version: '2.0',
    routeKey,
    rawPath: target.path,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(single ? { queryStringParameters: single } : {}),
    ...(Object.keys(target.pathParameters).length > 0 ? { pathParameters: { ...target.pathParameters } } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: target.method,
        path: target.path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: STAGE,
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}
