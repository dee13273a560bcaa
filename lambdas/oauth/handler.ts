import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OAUTH_PATHS } from '../../config/oauth';
import { servers as configuredServers } from '../../config/servers';
import type { ResolvedServer } from '../../config/types';
import type { DynamoTransport } from '../keys/dynamo-json';
import type { KeyStore } from '../keys/key-store';
import { SignedDynamoClient } from '../keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../keys/signed-key-store';
import { requestIdOf } from '../shared/api-gateway-event';
import { ConfigError } from '../shared/errors';
import { createLogger, describeError, type Logger } from '../shared/logger';
import { createConsentListener } from './consent';
import { cookieKeysOf, secretReaderOf, type SecretReader } from './cookie-secret';
import { createGrantsAdapter } from './grants-adapter';
import { protectedResourceMetadata } from './metadata';
import { runNodeListener, type NodeRequestInit, type NodeResponse } from './node-http';
import { renderErrorPage } from './pages';
import { buildProvider } from './provider';
import { oauthServerForResource } from './resources';
import { readOAuthSettings } from './settings';

export interface OAuthServerOptions {
  /** The authorization server's issuer: a bare origin, such as `http://127.0.0.1:3000`. */
  readonly issuer: string;
  /** Every configured server; those in `oauth` mode are the resources tokens are issued for. */
  readonly servers: readonly ResolvedServer[];
  readonly keyStore: KeyStore;
  /**
   * The grants table and the way to it: the signed client in the deployed function, the AWS
   * SDK's (`SdkDynamoTransport`) in the local stack.
   */
  readonly grants: { readonly transport: DynamoTransport; readonly tableName: string };
  /** Keys that sign the browser cookies and consent forms; the first signs, all verify. At least 32 characters each. */
  readonly cookieKeys: readonly string[];
  /** @default a JSON logger for the `oauth` service */
  readonly logger?: Logger;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
}

export type OAuthHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Longest consent form accepted: a key and a CSRF token fit many times over. */
const MAX_FORM_BYTES = 8 * 1024;
const MIN_COOKIE_KEY_LENGTH = 32;
const INTERACTION_PATH = new RegExp(`^${OAUTH_PATHS.endpointPrefix}/interaction/([A-Za-z0-9_-]{1,64})$`);
const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

/**
 * The authorization server of the `oauth` mode as a Lambda handler for REST API proxy events:
 * the protected-resource metadata documents, the authorization-server metadata (both
 * well-known names), the consent page and every oidc-provider endpoint under `/oauth`. The
 * provider is built here, once per handler. Throws `ConfigError` for an issuer that is not a
 * bare origin or cookie keys that are missing or short.
 */
export function createOAuthHandler(options: OAuthServerOptions): OAuthHandler {
  const { issuer, servers, keyStore } = options;
  checkIssuer(issuer);
  if (options.cookieKeys.length === 0 || options.cookieKeys.some((key) => key.length < MIN_COOKIE_KEY_LENGTH)) {
    throw new ConfigError(
      `the OAuth cookie keys must be one or more secrets of at least ${MIN_COOKIE_KEY_LENGTH} characters`,
    );
  }
  const logger = options.logger ?? createLogger('oauth');
  const clock = options.clock ?? Date.now;
  const Adapter = createGrantsAdapter({
    transport: options.grants.transport,
    tableName: options.grants.tableName,
    serverForResource: (resource) => oauthServerForResource(servers, issuer, resource)?.name,
    clock,
  });
  const provider = buildProvider({ issuer, servers, Adapter, keyStore, cookieKeys: options.cookieKeys, logger, clock });
  const callback = provider.callback();
  const consent = createConsentListener({
    provider,
    issuer,
    servers,
    keyStore,
    cookieKeys: options.cookieKeys,
    logger,
    clock,
  });
  const { protocol, host } = new URL(issuer);
  const secure = protocol === 'https:';

  return async (event) => {
    const requestId = requestIdOf(event);
    const method = (event.httpMethod ?? 'GET').toUpperCase();
    const path = event.path ?? '/';
    try {
      if (
        path === OAUTH_PATHS.protectedResourceMetadata ||
        path.startsWith(`${OAUTH_PATHS.protectedResourceMetadata}/`)
      ) {
        return protectedResource(method, protectedResourceMetadata(servers, issuer, path));
      }
      const init = requestInit(event, method, secure, host);
      const interaction = INTERACTION_PATH.exec(path);
      if (interaction) {
        let form: URLSearchParams | undefined;
        if (method === 'POST') {
          if (init.body.length > MAX_FORM_BYTES) return page(413, 'invalid_request', 'the form is too large');
          form = new URLSearchParams(init.body.toString('utf8'));
        }
        const uid = interaction[1];
        return toProxyResult(
          await runNodeListener((req, res) => consent(req, res, { uid, method, form, requestId }), init),
        );
      }
      if (
        path.startsWith(`${OAUTH_PATHS.endpointPrefix}/`) ||
        path === OAUTH_PATHS.authorizationServerMetadata ||
        path === OAUTH_PATHS.openidConfiguration
      ) {
        return toProxyResult(await runNodeListener(callback, init));
      }
      return { statusCode: 404, headers: JSON_HEADERS, body: JSON.stringify({ error: 'not_found' }) };
    } catch (error) {
      logger.error('oauth request failed', { requestId, ...describeError(error) });
      return page(500, 'server_error', 'the authorization server failed; try again');
    }
  };
}

let fromEnvironment: Promise<OAuthHandler> | undefined;

/**
 * The handler a Lambda container builds from OAUTH_ISSUER, GRANTS_TABLE_NAME, KEYS_TABLE_NAME,
 * DYNAMODB_ENDPOINT and the cookie keys: OAUTH_COOKIE_KEYS (comma-separated), or on AWS the
 * secret OAUTH_COOKIE_SECRET_ARN names, read once here. Both tables and the secret are reached
 * with signed calls and the role credentials in the environment, as the authorizer reaches
 * its tables: the function loads no AWS SDK, whose start-up would dominate its cold start.
 */
export async function oauthHandlerFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  readSecret: SecretReader = secretReaderOf(env),
): Promise<OAuthHandler> {
  const settings = readOAuthSettings(env);
  const client = new SignedDynamoClient({ endpoint: settings.endpoint, env });
  return createOAuthHandler({
    issuer: settings.issuer,
    servers: configuredServers,
    keyStore: new SignedDynamoKeyStore(client, settings.keysTableName),
    grants: { transport: client, tableName: settings.grantsTableName },
    cookieKeys: await cookieKeysOf(settings, readSecret),
  });
}

/**
 * The Lambda entry point, built on the first event (see {@link oauthHandlerFromEnv}). When that
 * fails (the secret could not be read) the event gets the 500 page and the next one retries.
 */
export const handler: OAuthHandler = async (event) => {
  const building = (fromEnvironment ??= oauthHandlerFromEnv());
  let built: OAuthHandler;
  try {
    built = await building;
  } catch (error) {
    if (fromEnvironment === building) fromEnvironment = undefined;
    createLogger('oauth').error('oauth handler could not start', {
      requestId: requestIdOf(event),
      ...describeError(error),
    });
    return page(500, 'server_error', 'the authorization server failed; try again');
  }
  return built(event);
};

function checkIssuer(issuer: string): void {
  let origin: string | undefined;
  try {
    origin = new URL(issuer).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== issuer || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw new ConfigError(
      `the OAuth issuer must be a bare http(s) origin such as https://mcp.example.com, got "${issuer}"`,
    );
  }
}

function protectedResource(method: string, document: object | undefined): APIGatewayProxyResult {
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'MCP-Protocol-Version',
  };
  if (!document)
    return { statusCode: 404, headers: { ...JSON_HEADERS, ...cors }, body: JSON.stringify({ error: 'not_found' }) };
  if (method === 'OPTIONS') return { statusCode: 204, headers: cors, body: '' };
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      statusCode: 405,
      headers: { ...JSON_HEADERS, ...cors, Allow: 'GET, OPTIONS' },
      body: JSON.stringify({ error: 'method_not_allowed' }),
    };
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300', ...cors },
    body: method === 'HEAD' ? '' : JSON.stringify(document),
  };
}

function page(statusCode: number, error: string, description: string): APIGatewayProxyResult {
  const { headers, body } = renderErrorPage(error, description);
  return { statusCode, headers: { ...headers }, body };
}

/** The node request a REST proxy event (payload 1.0) describes. */
function requestInit(event: APIGatewayProxyEvent, method: string, encrypted: boolean, host: string): NodeRequestInit {
  const headers: Record<string, string[]> = Object.create(null);
  const multi = event.multiValueHeaders && Object.keys(event.multiValueHeaders).length > 0;
  if (multi) {
    for (const [name, values] of Object.entries(event.multiValueHeaders ?? {}))
      for (const value of values ?? []) (headers[name.toLowerCase()] ??= []).push(value);
  } else {
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (value !== undefined) (headers[name.toLowerCase()] ??= []).push(value);
  }
  const body =
    typeof event.body === 'string' && event.body !== ''
      ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
  // The body is rebuilt from the event: its length is what it is, whatever the client declared.
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  // oidc-provider builds its endpoints' URLs from the request: make it the issuer's, whatever Host arrived.
  headers.host = [host];
  if (body.length > 0) headers['content-length'] = [String(body.length)];

  const query = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters))
      for (const value of values ?? []) query.append(name, value);
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {}))
      if (value !== undefined) query.append(name, value);
  }
  const search = query.toString();
  return {
    method,
    url: `${event.path ?? '/'}${search ? `?${search}` : ''}`,
    headers,
    body,
    encrypted,
    remoteAddress: event.requestContext?.identity?.sourceIp ?? '127.0.0.1',
  };
}

const TEXT_TYPES = /^(text\/|application\/(json|javascript|x-www-form-urlencoded|[\w.+-]*\+json)\b)/i;

/** The proxy result of a node response: lists (Set-Cookie) as multi-value headers, binary bodies in base64. */
function toProxyResult(response: NodeResponse): APIGatewayProxyResult {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers[name] = value;
    else multiValueHeaders[name] = [...value];
  }
  const type = headers['content-type'] ?? '';
  const text = response.body.length === 0 || TEXT_TYPES.test(type);
  return {
    statusCode: response.statusCode,
    headers,
    ...(Object.keys(multiValueHeaders).length > 0 ? { multiValueHeaders } : {}),
    body: response.body.toString(text ? 'utf8' : 'base64'),
    isBase64Encoded: !text,
  };
}
