import { Annotations, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { servers } from '../config/servers';
import { existingApisFromContext, ExistingApisStack } from './existing-apis-stack';
import { API_TYPES } from './http-api';
import { McpGateStack } from './mcp-gate-stack';
import { deployableServers } from './server-functions';
import {
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
  const { deployable, oauth } = deployableServers(servers);
  const serverEnvironment = serverEnvironmentFromContext(app.node, deployable);

  const main = new McpGateStack(app, STACK_IDS.main, {
    description: 'mcp-gate: MCP servers on AWS Lambda behind API Gateway with per-server API key authorization',
    servers: deployable,
    authCacheTtl,
    serverEnvironment,
    apiGatewayCloudWatchRole: booleanFromContext(app.node, CONTEXT_KEYS.apiGatewayCloudWatchRole, false),
    samLocal: booleanFromContext(app.node, CONTEXT_KEYS.samLocal, false),
    apiType: choiceFromContext(app.node, CONTEXT_KEYS.apiType, API_TYPES, 'rest'),
  });

  const existing = existingApisFromContext(app.node);
  const existingApis = existing
    ? new ExistingApisStack(app, STACK_IDS.existingApis, {
        description: 'mcp-gate: key authorizer and MCP servers attached to existing API Gateway APIs',
        ...existing,
        keysTableName: stringFromContext(app.node, CONTEXT_KEYS.keysTableName),
        servers: deployable,
        authCacheTtl,
        serverEnvironment,
      })
    : undefined;

  if (oauth.length > 0) {
    Annotations.of(main).addWarningV2(
      'mcp-gate:oauthServersNotDeployed',
      `${oauth.join(', ')} (authMode oauth) left out: OAuth servers run on the local stack (npm start); ` +
        'their AWS deployment is not available yet. The other servers deploy as usual.',
    );
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { main, existingApis };
}
