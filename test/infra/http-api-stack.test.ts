import { USAGE_PLAN_IDS_OUTPUT } from '../../config/plans';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../config/errors';
import { servers as configuredServers } from '../../config/servers';
import { buildMcpGateApp } from '../../lib/app';
import { HTTP_API_LIMITS } from '../../lib/http-api';
import { deployableServers } from '../../lib/server-functions';
import { CONTEXT_KEYS } from '../../lib/settings';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

const servers = deployableServers(configuredServers).deployable;
const guarded = servers.filter((server) => server.authMode !== 'none');
const publicServers = servers.filter((server) => server.authMode === 'none');

// Arrange once: the default configuration with `-c mcp-gate:apiType=http`, and the REST default beside it.
const app = appWithoutBundling({ [CONTEXT_KEYS.apiType]: 'http', [CONTEXT_KEYS.authCacheTtlSeconds]: '120' });
const { main } = buildMcpGateApp(app);
const template = Template.fromStack(main);
const restApp = appWithoutBundling({ [CONTEXT_KEYS.authCacheTtlSeconds]: '120' });
const rest = Template.fromStack(buildMcpGateApp(restApp).main);

const routes = template.findResources('AWS::ApiGatewayV2::Route');
const routeKeys = Object.values(routes).map((route) => route.Properties.RouteKey as string);
const authorizers = Object.entries(template.findResources('AWS::ApiGatewayV2::Authorizer'));

describe('McpGateStack with apiType http', () => {
  it('puts the servers behind an HTTP API and no REST API', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
  });

  it('routes POST, GET and DELETE /<server>/mcp for every server', () => {
    for (const server of servers) {
      for (const method of ['POST', 'GET', 'DELETE']) expect(routeKeys).toContain(`${method} /${server.name}/mcp`);
    }
  });

  it('uses payload 2.0 Lambda authorizers with IAM policy answers and the identity sources of each mode', () => {
    const byMode = Object.fromEntries(
      authorizers.map(([, resource]) => [resource.Properties.Name as string, resource.Properties]),
    );
    expect(authorizers.length).toBeGreaterThan(0);
    for (const [, { Properties }] of authorizers) {
      expect(Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: false,
        AuthorizerResultTtlInSeconds: 60,
      });
      expect(Properties.IdentitySource).toContain('$request.header.x-api-key');
      expect(Properties.IdentitySource).toContain('$context.routeKey');
    }
    const withAuthorization = Object.values(byMode).filter((p) =>
      (p.IdentitySource as string[]).includes('$request.header.Authorization'),
    );
    expect(withAuthorization).toHaveLength(guarded.some((s) => s.authMode === 'bearerPassthrough') ? 1 : 0);
  });

  it('caches with the same TTL split as the REST API', () => {
    const restTtls = Object.values(rest.findResources('AWS::ApiGateway::Authorizer')).map(
      (resource) => resource.Properties.AuthorizerResultTtlInSeconds,
    );
    const httpTtls = authorizers.map(([, resource]) => resource.Properties.AuthorizerResultTtlInSeconds);
    expect(new Set(httpTtls)).toEqual(new Set(restTtls));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTH_CACHE_TTL_SECONDS: '120' }) },
    });
  });

  it('guards every route of a guarded server and none of a public one', () => {
    for (const [, route] of Object.entries(routes)) {
      const key = route.Properties.RouteKey as string;
      const server = servers.find((s) => key.endsWith(` /${s.name}/mcp`));
      if (!server || key.startsWith('OPTIONS ')) continue;
      if (server.authMode === 'none') {
        expect(route.Properties.AuthorizationType).toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      } else {
        expect(route.Properties.AuthorizationType).toBe('CUSTOM');
        expect(route.Properties.AuthorizerId).toBeDefined();
      }
    }
    expect(publicServers.length).toBeGreaterThan(0);
  });

  it('keeps least privilege: the authorizer reads and touches keys, the servers never see the table', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const dynamoActions = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((statement) =>
        [statement.Action].flat().filter((action) => action.startsWith('dynamodb:')),
      ),
    );
    expect(new Set(dynamoActions)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    // The REST stack's one more policy is for the function that sets its execution-log group's retention.
    const restPolicies = Object.values(rest.findResources('AWS::IAM::Policy'))
      .map((policy) => policy.Properties.PolicyDocument)
      .filter((document) => !JSON.stringify(document).includes('logs:PutRetentionPolicy'));
    expect(policies.map((policy) => policy.Properties.PolicyDocument)).toEqual(restPolicies);
  });

  it('has the same outputs as the REST API (less the endpoint output the REST API construct adds by itself, and the usage plans)', () => {
    const restOutputs = Object.keys(rest.toJSON().Outputs).filter(
      (name) => !name.startsWith('ApiEndpoint') && name !== USAGE_PLAN_IDS_OUTPUT,
    );
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(restOutputs.sort());
  });

  it('logs access and throttles on its stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('routeKey') }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
    });
  });

  it('names what an HTTP API cannot do in one warning, and none on the REST API', () => {
    const warnings = Annotations.fromStack(main).findWarning('*', Match.stringLikeRegexp('apiType http'));
    expect(warnings).toHaveLength(1);
    for (const limit of HTTP_API_LIMITS) expect(JSON.stringify(warnings[0].entry.data)).toContain(limit.slice(0, 20));
    expect(
      Annotations.fromStack(buildMcpGateApp(appWithoutBundling()).main).findWarning(
        '*',
        Match.stringLikeRegexp('apiType http'),
      ),
    ).toHaveLength(0);
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(unacknowledgedNagFindings(app, main)).toEqual([]);
  });

  it('refuses an unknown apiType, naming the context key', () => {
    expect(() => buildMcpGateApp(appWithoutBundling({ [CONTEXT_KEYS.apiType]: 'websocket' }))).toThrow(ConfigError);
    expect(() => buildMcpGateApp(appWithoutBundling({ [CONTEXT_KEYS.apiType]: 'websocket' }))).toThrow(
      /mcp-gate:apiType/,
    );
  });
});
