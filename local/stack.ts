import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { splitAuthCacheTtl } from '../config/auth-cache';
import type { PlanConfig } from '../config/plans';
import { servers as configuredServers } from '../config/servers';
import type { ResolvedServer } from '../config/types';
import { KeyService } from '../lambdas/keys/key-service';
import { SdkDynamoTransport } from '../lambdas/keys/sdk-dynamo-transport';
import { createLogger, type Logger } from '../lambdas/shared/logger';
import { LOCAL_GRANTS_TABLE_NAME } from '../lambdas/oauth/grants-schema';
import { GATEWAY_RESPONSES, OAUTH_UNAUTHORIZED } from '../lib/gateway-responses';
import { compileServers } from '../config/openapi/compile-servers';
import { staticSecrets } from '../lambdas/mcp/secrets';
import { createDownstream, type DownstreamOptions } from './downstream';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './dynalite';
import type { ApiType } from '../lib/api-type';
import { createLocalHttpApiGateway } from './http-api-gateway';
import {
  createLocalGateway,
  type AuthorizerFunction,
  type GatewayAnswers,
  type LocalGatewayOptions,
  type ProxyFunction,
} from './gateway';
import { close, listen } from './listen';
import { DEMO_SECRETS, loadLocalSecrets, localSecretsFile } from './secrets';
import { DATA_DIR, LOCAL_TABLE_NAME } from './state';
import { ensureUsageTable, UsageCounters } from './usage-counters';
import { createLocalUsagePlans } from './usage-plans';

/**
 * The deployed stack's gateway responses. API Gateway sends ACCESS_DENIED for an explicit
 * Deny and for a policy that does not match alike, so both local answers take it.
 */
const STACK_ANSWERS: Partial<GatewayAnswers> = {
  UNAUTHORIZED: GATEWAY_RESPONSES.UNAUTHORIZED,
  ACCESS_DENIED: GATEWAY_RESPONSES.ACCESS_DENIED,
  EXPLICIT_DENY: GATEWAY_RESPONSES.ACCESS_DENIED,
  AUTHORIZER_FAILURE: GATEWAY_RESPONSES.AUTHORIZER_FAILURE,
  REQUEST_TOO_LARGE: GATEWAY_RESPONSES.REQUEST_TOO_LARGE,
  THROTTLED: GATEWAY_RESPONSES.THROTTLED,
  QUOTA_EXCEEDED: GATEWAY_RESPONSES.QUOTA_EXCEEDED,
  INVALID_API_KEY: GATEWAY_RESPONSES.INVALID_API_KEY,
};

export interface LocalStackOptions {
  /** Gateway port (`PORT`); 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Embedded DynamoDB port (`DYNAMODB_PORT`). @default 8000 */
  readonly dynamodbPort?: number;
  /** Demo downstream API port (`DOWNSTREAM_PORT`). @default 3001 */
  readonly downstreamPort?: number;
  /** Keep DynamoDB data in memory only. @default false: kept in `dataDir` */
  readonly inMemory?: boolean;
  /** Where DynamoDB data is kept unless `inMemory`; one process at a time. @default .local/dynamodb (`MCP_GATE_LOCAL_DIR`) */
  readonly dataDir?: string;
  /** How long a revoked key may keep working (`AUTH_CACHE_TTL_SECONDS`), split between the two caches. @default 60 */
  readonly cacheTtlSeconds?: number;
  /** Gateway responses. @default the deployed stack's (lib/gateway-responses.ts) */
  readonly answers?: Partial<GatewayAnswers>;
  /** Their OpenAPI sources are compiled at start. @default the servers of config/servers.ts */
  readonly servers?: readonly ResolvedServer[];
  /** The local secrets file (see local/secrets.ts). @default `MCP_GATE_SECRETS_FILE`, else .local/secrets.json */
  readonly secretsFile?: string;
  /** The demo downstream's credentials; tests set them apart from the secrets to see a refusal. @default the demo secrets' values */
  readonly downstream?: DownstreamOptions;
  /** Emulate a REST API or an HTTP API (`API_TYPE`; local/http-api-gateway.ts). @default 'rest' */
  readonly apiType?: ApiType;
  readonly logger?: Logger;
  /** Loads the authorizer; replaced by tests of the fail-closed path. @default the real handler */
  readonly loadAuthorizer?: () => Promise<AuthorizerFunction>;
  /**
   * The time, in epoch milliseconds, for everything that decides by it: the gateway's result
   * cache, the authorizer (its lookup cache and key expiry) and the keys made through `keys`.
   * Tests move it instead of waiting. @default Date.now
   */
  readonly clock?: () => number;
  /** Enforce the keys' usage plans as the deployed stack does. @default true */
  readonly usagePlans?: boolean;
  /** The plans keys are made on and the gateway enforces. @default the plans of config/plans.ts */
  readonly plans?: readonly PlanConfig[];
  /** Called once per finished request (the request log of `npm start`). */
  readonly onRequest?: LocalGatewayOptions['onRequest'];
}

export interface LocalStack {
  readonly baseUrl: string;
  readonly dynamodbEndpoint: string;
  readonly downstreamUrl: string;
  readonly tableName: string;
  /** The OAuth grants table in the embedded DynamoDB, when some server's mode is `oauth`. */
  readonly grantsTableName?: string;
  /** Key management against the embedded table (the CLI's service). */
  readonly keys: KeyService;
  readonly servers: readonly ResolvedServer[];
  stopDynamo(): Promise<void>;
  startDynamo(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the embedded DynamoDB, the demo downstream API and the local gateway, which invokes
 * the real handlers, each built for this stack's servers, key store and clock.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const logger = options.logger ?? createLogger('local-gateway');
  const compiled = await compileServers(options.servers ?? configuredServers);
  for (const warning of compiled.warnings) logger.warn('openapi operation skipped', { reason: warning });
  const servers = compiled.servers;
  const secretValues = loadLocalSecrets(servers, options.secretsFile ?? localSecretsFile());
  const cacheTtlSeconds = options.cacheTtlSeconds ?? 60;
  const clock = options.clock ?? Date.now;
  const started: Server[] = [];
  const usesOAuth = servers.some((server) => server.authMode === 'oauth');
  let dynamo: EmbeddedDynamo | undefined;
  try {
    dynamo = await startEmbeddedDynamo({
      tableName: LOCAL_TABLE_NAME,
      port: options.dynamodbPort ?? 8000,
      portVariable: 'DYNAMODB_PORT',
      path: options.inMemory ? undefined : (options.dataDir ?? DATA_DIR),
    });
    const dynamodbEndpoint = dynamo.endpoint;
    const grantsClient = dynamo.client;
    const ensureGrants = async () => {
      if (!usesOAuth) return;
      const { ensureGrantsTable } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../lambdas/oauth/grants-table') as typeof import('../lambdas/oauth/grants-table');
      await ensureGrantsTable(grantsClient, LOCAL_GRANTS_TABLE_NAME);
    };
    await ensureGrants();
    await ensureUsageTable(dynamo.client);
    const counters = new UsageCounters(dynamo.client);

    const downstream = createDownstream({
      petsApiKey: secretValues[DEMO_SECRETS.petsApiKey],
      clientSecret: secretValues[DEMO_SECRETS.clientSecret],
      clock,
      ...options.downstream,
    });
    const downstreamPort = await listen(downstream, options.downstreamPort ?? 3001, 'DOWNSTREAM_PORT');
    started.push(downstream);
    const downstreamUrl = `http://127.0.0.1:${downstreamPort}`;

    // The MCP handler reads these, as a Lambda container reads its environment.
    process.env.DOWNSTREAM_URL ??= downstreamUrl;
    process.env.DOWNSTREAM_TOKEN_URL ??= `${process.env.DOWNSTREAM_URL}/oauth/token`;
    delete process.env.MCP_SERVER_NAME;

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHandler } = require('../lambdas/mcp/handler') as typeof import('../lambdas/mcp/handler');
    const mcpHandler = createHandler({ servers, secrets: staticSecrets(secretValues) }) as ProxyFunction;
    const keyStore = dynamo.store;
    // The issuer is the gateway's origin, known once it listens (PORT=0 picks the port): the
    // gateway is built right after, before any request can arrive.
    const http = createServer();
    const port = await listen(http, options.port ?? 3000, 'PORT');
    started.push(http);
    const baseUrl = `http://127.0.0.1:${port}`;

    const gateway = (options.apiType === 'http' ? createLocalHttpApiGateway : createLocalGateway)({
      servers,
      cacheTtlSeconds: splitAuthCacheTtl(cacheTtlSeconds).gatewaySeconds,
      logger,
      answers: options.answers ?? STACK_ANSWERS,
      integration: mcpHandler,
      oauth: usesOAuth
        ? {
            issuer: baseUrl,
            unauthorized: OAUTH_UNAUTHORIZED,
            loadHandler: async () => {
              const { createOAuthHandler } =
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                require('../lambdas/oauth/handler') as typeof import('../lambdas/oauth/handler');
              return createOAuthHandler({
                issuer: baseUrl,
                servers,
                keyStore,
                grants: { transport: new SdkDynamoTransport(grantsClient), tableName: LOCAL_GRANTS_TABLE_NAME },
                // A fresh secret per start: consent cookies of an earlier run no longer count.
                cookieKeys: [randomBytes(32).toString('base64url')],
                clock,
              });
            },
          }
        : undefined,
      nowMs: clock,
      usagePlans:
        options.usagePlans === false
          ? undefined
          : createLocalUsagePlans({
              lookup: (keyId) => keyStore.getByKeyId(keyId),
              counters,
              nowMs: clock,
              plans: options.plans,
            }),
      onRequest: options.onRequest,
      loadAuthorizer:
        options.loadAuthorizer ??
        (async () => {
          const { createAuthorizerHandler } =
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require('../lambdas/authorizer/handler') as typeof import('../lambdas/authorizer/handler');
          return createAuthorizerHandler({
            store: keyStore,
            servers,
            cacheTtlSeconds: splitAuthCacheTtl(cacheTtlSeconds).lookupSeconds,
            ...(usesOAuth ? { tokens: loadTokenStore(grantsClient) } : {}),
            clock,
          });
        }),
    });
    http.on('request', gateway.listener);

    const embedded = dynamo;
    return {
      baseUrl,
      dynamodbEndpoint,
      downstreamUrl: process.env.DOWNSTREAM_URL,
      tableName: LOCAL_TABLE_NAME,
      ...(usesOAuth ? { grantsTableName: LOCAL_GRANTS_TABLE_NAME } : {}),
      keys: new KeyService({
        store: embedded.store,
        servers,
        // Revoke and rotate end the key's OAuth grants, as the CLI's do.
        ...(usesOAuth ? { grants: async () => loadTokenStore(grantsClient) } : {}),
        now: () => new Date(clock()),
        usage: counters,
        plans: options.plans,
      }),
      servers,
      stopDynamo: () => embedded.stop(),
      startDynamo: async () => {
        await embedded.start();
        await ensureGrants();
        await ensureUsageTable(embedded.client);
      },
      close: async () => {
        await Promise.all([...started.map(close), embedded.close()]);
      },
    };
  } catch (error) {
    await Promise.all([...started.map(close), dynamo?.close()]);
    throw error;
  }
}

/** The grants table as the authorizer reads it (access tokens by digest) and key management ends a key's grants. */
function loadTokenStore(client: EmbeddedDynamo['client']) {
  const { DynamoTokenStore } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../lambdas/oauth/token-store') as typeof import('../lambdas/oauth/token-store');
  return new DynamoTokenStore(client, LOCAL_GRANTS_TABLE_NAME);
}
