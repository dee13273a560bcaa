import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ConfigError } from '../../config/errors';
import { servers as configuredServers } from '../../config/servers';
import { buildMcpGateApp, STACK_IDS } from '../../lib/app';
import { GATEWAY_RESPONSES } from '../../lib/gateway-responses';
import { McpGateStack } from '../../lib/mcp-gate-stack';
import { KeyAuthorizer } from '../../lib/key-authorizer';
import { KeysTable } from '../../lib/keys-table';
import { McpServerFunction } from '../../lib/mcp-server-function';
import { deployableServers } from '../../lib/server-functions';
import { CONTEXT_KEYS } from '../../lib/settings';
import { appAsSynthesized, appWithoutBundling, unacknowledgedNagFindings } from './support';

/** What the stack deploys of the configuration: every server but the `oauth` ones. */
const servers = deployableServers(configuredServers).deployable;

// Arrange once: the app as `cdk synth` builds it, with real esbuild bundling (the only infra
// test that bundles), a cache TTL and a downstream URL from context, and the asset metadata
// the CLI turns on (sam local finds the bundles through it).
const app = appAsSynthesized({
  [CONTEXT_KEYS.authCacheTtlSeconds]: '120',
  DOWNSTREAM_URL: 'https://downstream.example.com',
  'aws:cdk:enable-asset-metadata': true,
});
const { main, existingApis } = buildMcpGateApp(app);
const template = Template.fromStack(main);
const assembly = app.synth();
const resources: Record<
  string,
  { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
> = template.toJSON().Resources;
const outputs: Record<string, { Value: unknown }> = template.toJSON().Outputs;

/** An output's value with CloudFormation references replaced by `<ref>`, so its JSON can be read. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? join[1].map((part) => (typeof part === 'string' ? part : '<ref>')).join(join[0]) : '<ref>';
}

describe('McpGate stack', () => {
  it('is the only stack when no existing API is named', () => {
    expect(existingApis).toBeUndefined();
    expect(app.node.tryFindChild(STACK_IDS.existingApis)).toBeUndefined();
  });

  it('has one table, one authorizer function, one MCP function per server and one REST API', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    // …and CDK's LogRetention function, which sets the execution-log group's retention at deploy time.
    template.resourceCountIs('AWS::Lambda::Function', 2 + servers.length);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    template.resourceCountIs('AWS::ApiGateway::Method', 3 * servers.length);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
    template.resourceCountIs('AWS::ApiGateway::GatewayResponse', Object.keys(GATEWAY_RESPONSES).length);
  });

  it('gives the functions readable logical ids for sam local env.json files', () => {
    const functions = Object.entries(resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !id.startsWith('LogRetention'))
      .map(([id]) => id);
    expect(functions.sort()).toEqual(
      [
        'AuthorizerFunction',
        'McpDemoApikeyFunction',
        'McpDemoOpenapiFunction',
        'McpDemoPassthroughFunction',
        'McpDemoPublicFunction',
      ].sort(),
    );
  });

  it('takes the authorizer cache TTL from context, for API Gateway and the function alike', () => {
    for (const authorizer of Object.values(template.findResources('AWS::ApiGateway::Authorizer'))) {
      expect(authorizer.Properties.AuthorizerResultTtlInSeconds).toBe(60); // half the 120 s bound (config/auth-cache.ts)
    }
    expect(resources.AuthorizerFunction.Properties.Environment).toEqual({
      Variables: { KEYS_TABLE_NAME: { Ref: expect.any(String) }, AUTH_CACHE_TTL_SECONDS: '120' },
    });
  });

  it('passes DOWNSTREAM_URL from context to the server that reads it only', () => {
    expect(resources.McpDemoPassthroughFunction.Properties.Environment).toEqual({
      Variables: { MCP_SERVER_NAME: 'demo-passthrough', DOWNSTREAM_URL: 'https://downstream.example.com' },
    });
    expect(resources.McpDemoApikeyFunction.Properties.Environment).toEqual({
      Variables: { MCP_SERVER_NAME: 'demo-apikey' },
    });
  });

  it.each(Object.entries(GATEWAY_RESPONSES))('answers %s with its JSON body and status', (type, response) => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: String(response.statusCode),
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/json'" },
      ResponseTemplates: { 'application/json': response.body },
    });
  });

  it('is a regional API whose stage logs access as JSON, throttles, and keeps execution logs at ERROR', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: {
        // The log group's ARN without the `:*` suffix (@aws-cdk/aws-apigateway:logGroupDestinationArnWithoutWildcard).
        DestinationArn: {
          'Fn::Join': ['', Match.arrayWith([':log-group:', { Ref: Match.stringLikeRegexp('^AccessLogs') }])],
        },
        Format: Match.anyValue(),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      ],
    });
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
    expect(format).toEqual(
      expect.objectContaining({ requestId: '$context.requestId', keyId: '$context.authorizer.keyId' }),
    );
    expect(JSON.stringify(format).toLowerCase()).not.toMatch(/x-api-key|authorization/);
  });

  it("leaves the account's API Gateway CloudWatch Logs role alone by default, and still logs", () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      },
      0,
    );
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ Format: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ LoggingLevel: 'ERROR' })],
    });
  });

  it('sets that role when asked to, retains it, and creates the stage after it', () => {
    const roleApp = appWithoutBundling({ [CONTEXT_KEYS.apiGatewayCloudWatchRole]: 'true' });
    const withRole = buildMcpGateApp(roleApp);
    const roleTemplate = Template.fromStack(withRole.main);
    const accounts = roleTemplate.findResources('AWS::ApiGateway::Account');
    const [accountId] = Object.keys(accounts);
    expect(Object.keys(accounts)).toHaveLength(1);
    expect(accounts[accountId].DeletionPolicy).toBe('Retain');
    roleTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [
        Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonAPIGatewayPushToCloudWatchLogs')])],
        }),
      ],
    });
    const [stage] = Object.values(roleTemplate.findResources('AWS::ApiGateway::Stage'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining([accountId]));
    expect(unacknowledgedNagFindings(roleApp, withRole.main)).toEqual([]);
  });

  it('outputs the stage URL and keys table name (npm run keys reads both) and each server URL', () => {
    expect(outputs.KeysTableName.Value).toEqual({ Ref: expect.stringMatching(/^KeysTable/) });
    expect(flatten(outputs.ApiUrl.Value)).toBe('https://<ref>.execute-api.<ref>.<ref>/<ref>/');
    for (const server of servers) {
      const name = server.name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
      expect(flatten(outputs[`${name}Url`].Value)).toBe(
        `https://<ref>.execute-api.<ref>.<ref>/<ref>/${server.name}/mcp`,
      );
    }
  });

  it.each([
    ['DemoPublic', 'demo-public', undefined],
    ['DemoApikey', 'demo-apikey', { 'x-api-key': '<create one: npm run keys -- create --server demo-apikey>' }],
    [
      'DemoPassthrough',
      'demo-passthrough',
      {
        'x-api-key': '<create one: npm run keys -- create --server demo-passthrough>',
        Authorization: 'Bearer <your token>',
      },
    ],
  ])('outputs ready-to-paste mcpServers JSON for %s, with the headers its mode needs', (output, name, headers) => {
    const config = JSON.parse(flatten(outputs[`${output}McpServers`].Value));
    expect(config).toEqual({
      mcpServers: {
        [name]: { url: `https://<ref>.execute-api.<ref>.<ref>/<ref>/${name}/mcp`, ...(headers ? { headers } : {}) },
      },
    });
  });

  it('bundles each handler with what it needs inside, no Docker, and names the bundle for sam local', () => {
    for (const id of ['AuthorizerFunction', 'McpDemoPublicFunction']) {
      const bundle = path.join(assembly.directory, resources[id].Metadata!['aws:asset:path'], 'index.js');
      expect(existsSync(bundle)).toBe(true);
      expect(statSync(bundle).size).toBeLessThan(1_500_000);
      const code = readFileSync(bundle, 'utf8');
      expect(code).not.toMatch(/require\("@(aws-sdk\/(client|lib)-dynamodb|smithy\/[a-z-]+)"\)/);
      // The authorizer signs its own DynamoDB calls (aws4): no AWS SDK in its bundle at all.
      if (id === 'AuthorizerFunction') {
        expect(code).toContain('DynamoDB_20120810.');
        expect(code).not.toContain('GetItemCommand');
      }
    }
  });

  it('ships the tools compiled from OpenAPI as data next to the handler, and no OpenAPI or YAML parser', () => {
    const dir = path.join(assembly.directory, resources.McpDemoOpenapiFunction.Metadata!['aws:asset:path']);
    const compiled = JSON.parse(readFileSync(path.join(dir, 'compiled-tools.json'), 'utf8'));
    const code = readFileSync(path.join(dir, 'index.js'), 'utf8');

    expect(compiled.server).toBe('demo-openapi');
    expect(compiled.sources[0].map((tool: { name: string }) => tool.name)).toEqual(['listPets', 'createPet', 'getPet']);
    expect(code).not.toMatch(/openapi-parser|json-schema-ref-parser|YAMLParseError|better-ajv-errors/);
    expect(
      existsSync(
        path.join(
          assembly.directory,
          resources.McpDemoPublicFunction.Metadata!['aws:asset:path'],
          'compiled-tools.json',
        ),
      ),
    ).toBe(false);
  });

  it('passes cdk-nag AwsSolutions: every finding is fixed or acknowledged', () => {
    expect(unacknowledgedNagFindings(app, main)).toEqual([]);
  });

  it('passes cdk-nag with a server that allows a browser origin (OPTIONS without authorization)', () => {
    const originsApp = appWithoutBundling();
    const withOrigins = new McpGateStack(originsApp, 'WithOrigins', {
      servers: [
        ...servers,
        { name: 'browser', authMode: 'apiKey', tools: ['echo'], allowedOrigins: ['https://app.example.com'] },
      ],
    });
    Template.fromStack(withOrigins).hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      AuthorizationType: 'NONE',
    });
    expect(unacknowledgedNagFindings(originsApp, withOrigins)).toEqual([]);
  });

  it('refuses server names that would share a function logical id, naming both', () => {
    const twins = [
      { name: 'foo-1', authMode: 'none', tools: ['echo'] },
      { name: 'foo1', authMode: 'none', tools: ['echo'] },
    ] as const;
    expect(() => new McpGateStack(appWithoutBundling(), 'Twins', { servers: twins })).toThrow(ConfigError);
    expect(() => new McpGateStack(appWithoutBundling(), 'Twins', { servers: twins })).toThrow(
      /"foo-1" and "foo1" would share the logical id McpFoo1Function/,
    );
  });

  it('gives every acknowledged finding a reason', () => {
    const acknowledgements = main.node
      .findAll()
      .flatMap((construct: IConstruct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledgements) {
      expect(rule).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('declares the variables a sam local env.json may set only when synthesized for sam local', () => {
    const local = Template.fromStack(
      buildMcpGateApp(appWithoutBundling({ [CONTEXT_KEYS.samLocal]: 'true' })).main,
    ).toJSON().Resources as typeof resources;
    expect(local.AuthorizerFunction.Properties.Environment).toEqual({
      Variables: expect.objectContaining({ DYNAMODB_ENDPOINT: '' }),
    });
    expect(local.McpDemoPassthroughFunction.Properties.Environment).toEqual({
      Variables: { MCP_SERVER_NAME: 'demo-passthrough', DOWNSTREAM_URL: '' },
    });
  });

  it('redeploys the stage when the authorizer cache TTL changes', () => {
    const deploymentIdWith = (ttl: number) => {
      const other = appWithoutBundling({ [CONTEXT_KEYS.authCacheTtlSeconds]: ttl });
      const resourcesOf = Template.fromStack(buildMcpGateApp(other).main).toJSON().Resources as Record<
        string,
        { Type: string }
      >;
      return Object.keys(resourcesOf).find((id) => resourcesOf[id].Type === 'AWS::ApiGateway::Deployment');
    };
    expect(deploymentIdWith(30)).not.toEqual(deploymentIdWith(60));
  });
});

describe('oauth servers on AWS', () => {
  it('are left out of the synthesized stacks with one warning naming them; the other servers deploy', () => {
    const oauthServers = configuredServers.filter((server) => server.authMode === 'oauth').map((server) => server.name);
    expect(oauthServers.length).toBeGreaterThan(0);
    const app = appWithoutBundling();
    const { main } = buildMcpGateApp(app);
    const template = Template.fromStack(main);

    const warnings = Annotations.fromStack(main).findWarning('*', Match.stringLikeRegexp('authMode oauth'));
    expect(warnings).toHaveLength(1);
    for (const name of oauthServers) expect(String(warnings[0].entry.data)).toContain(name);
    // ... and the context keys that would deploy them.
    expect(String(warnings[0].entry.data)).toContain(`-c ${CONTEXT_KEYS.domainName}=`);
    expect(String(warnings[0].entry.data)).toContain(`-c ${CONTEXT_KEYS.certificateArn}=`);
    const deployed = main.servers.map((mcp) => mcp.server.name);
    for (const name of oauthServers) expect(deployed).not.toContain(name);
    expect(deployed).toEqual(
      configuredServers.filter((server) => server.authMode !== 'oauth').map((server) => server.name),
    );
    expect(JSON.stringify(template.toJSON())).not.toMatch(/DemoOauth|demo-oauth/);
  });

  it("never go on a shared API's routes: their challenge needs an API of their own", () => {
    const app = appWithoutBundling();
    const stack = new Stack(app, 'OauthRefused');
    const authorizer = new KeyAuthorizer(stack, 'Authorizer', { keysTable: new KeysTable(stack, 'Keys').table });
    const mcp = new McpServerFunction(stack, 'S', {
      server: { name: 'x', authMode: 'oauth', tools: ['echo'] },
      authorizer,
    });
    expect(() => mcp.addToRestApi(new RestApi(stack, 'Api'))).toThrow(
      /authMode oauth: it is served by an API of its own/,
    );
    expect(() => mcp.addToHttpApi(new HttpApi(stack, 'HttpApi'))).toThrow(
      /authMode oauth: it is served by an API of its own/,
    );
    expect(mcp.methods).toEqual([]);
  });
});
