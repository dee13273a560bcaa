import { Annotations, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../config/errors';
import { servers } from '../config/servers';
import { existingApisFromContext, ExistingApisStack } from './existing-apis-stack';
import { API_TYPES } from './http-api';
import { McpGateStack } from './mcp-gate-stack';
import { oauthDomainFromContext, oauthServersLeftOutWarning } from './oauth-domain';
import { deployableServers } from './server-functions';
import {
  alarmEmailFromContext,
  authCacheTtlFromContext,
  booleanFromContext,
  choiceFromContext,
  CONTEXT_KEYS,
  serverEnvironmentFromContext,
  stringFromContext,
} from './settings';

/** The stack ids of the app; `sam local` reads `cdk.out/<id>.template.json`. */
export const STACK_IDS = { main: 'McpGate', existingApis: 'McpGateExistingApis' } as const;

export interface McpGateApp {
  readonly main: McpGateStack;
  /** Present when context names an existing REST or HTTP API (see CONTEXT_KEYS). */
  readonly existingApis?: ExistingApisStack;
}

/**
 * Adds mcp-gate's stacks to `app` from its context, and cdk-nag's AwsSolutions checks
 * (a finding fails synthesis unless acknowledged with a reason, see lib/nag.ts).
 * Env-agnostic: synthesizes offline, without AWS credentials.
 */
export function buildMcpGateApp(app: App): McpGateApp {
  const authCacheTtl = authCacheTtlFromContext(app.node);
  const oauthDomain = oauthDomainFromContext(app.node);
  const apiType = choiceFromContext(app.node, CONTEXT_KEYS.apiType, API_TYPES, 'rest');
  if (apiType === 'http' && oauthDomain) {
    throw new ConfigError(
      `context ${CONTEXT_KEYS.apiType}=http cannot serve oauth servers on ${CONTEXT_KEYS.domainName}: ` +
        'their challenge needs REST API gateway responses; deploy with apiType rest (the default)',
    );
  }
  const { deployable, oauth } = deployableServers(servers, { customDomain: oauthDomain !== undefined });
  const serverEnvironment = serverEnvironmentFromContext(app.node, deployable);
  const observability = {
    tracing: booleanFromContext(app.node, CONTEXT_KEYS.tracing, false),
    alarmEmail: alarmEmailFromContext(app.node),
  };

  const main = new McpGateStack(app, STACK_IDS.main, {
    description: 'mcp-gate: MCP servers on AWS Lambda behind API Gateway with per-server API key authorization',
    servers: deployable,
    authCacheTtl,
    serverEnvironment,
    apiGatewayCloudWatchRole: booleanFromContext(app.node, CONTEXT_KEYS.apiGatewayCloudWatchRole, false),
    samLocal: booleanFromContext(app.node, CONTEXT_KEYS.samLocal, false),
    oauthDomain,
    observability,
    apiType,
  });

  const existing = existingApisFromContext(app.node);
  const existingApis = existing
    ? new ExistingApisStack(app, STACK_IDS.existingApis, {
        description: 'mcp-gate: key authorizer and MCP servers attached to existing API Gateway APIs',
        ...existing,
        keysTableName: stringFromContext(app.node, CONTEXT_KEYS.keysTableName),
        // OAuth servers live on the main stack's custom domain only.
        servers: deployableServers(servers).deployable,
        authCacheTtl,
        serverEnvironment,
        observability,
      })
    : undefined;

  if (oauth.length > 0) {
    Annotations.of(main).addWarningV2('mcp-gate:oauthServersNotDeployed', oauthServersLeftOutWarning(oauth));
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { main, existingApis };
}
