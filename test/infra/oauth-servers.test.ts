import * as path from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { build as bundle } from 'esbuild';
import { ConfigError } from '../../config/errors';
import { OAUTH_PATHS, oauthChallenge, resourceUri } from '../../config/oauth';
import { servers as configuredServers } from '../../config/servers';
import type { ServerConfig } from '../../config/types';
import { KEYS_TABLE_SCHEMA } from '../../lambdas/keys/table-schema';
import { GRANTS_TABLE_SCHEMA } from '../../lambdas/oauth/grants-schema';
import { protectedResourceMetadata } from '../../lambdas/oauth/metadata';
import { buildMcpGateApp } from '../../lib/app';
import { GATE_BUNDLING } from '../../lib/bundling';
import { HANDLER_ENTRIES } from '../../lib/gate-function';
import { GATEWAY_RESPONSES, OAUTH_UNAUTHORIZED } from '../../lib/gateway-responses';
import { McpGateStack } from '../../lib/mcp-gate-stack';
import type { OAuthDomainSettings } from '../../lib/oauth-domain';
import { CONTEXT_KEYS } from '../../lib/settings';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

const DOMAIN = 'mcp.example.com';
const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
const ISSUER = `https://${DOMAIN}`;
const DOMAIN_CONTEXT = { [CONTEXT_KEYS.domainName]: DOMAIN, [CONTEXT_KEYS.certificateArn]: CERTIFICATE };
const oauthConfigured = configuredServers.filter((server) => server.authMode === 'oauth');

/** A template resource, its properties read loosely as the template's JSON. */
type CfnResource = {
  Type: string;
  Properties: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

// Arrange once: the app as `cdk synth -c mcp-gate:domainName=… -c mcp-gate:certificateArn=…` builds it.
const app = appWithoutBundling(DOMAIN_CONTEXT);
const { main } = buildMcpGateApp(app);
const template = Template.fromStack(main);
const resources: Record<string, CfnResource> = template.toJSON().Resources;
const outputs: Record<string, { Value: unknown }> = template.toJSON().Outputs;
const oauth = main.oauth!;

/** A construct's logical id in the template, overrides included. */
const logicalId = (construct: IConstruct) =>
  main.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** A REST API resource's path, from the template's `PathPart`/`ParentId` chain (`/` for the root). */
function pathOf(resourceId: unknown): string {
  const ref = (resourceId as { Ref?: string }).Ref;
  if (ref === undefined) return '/'; // Fn::GetAtt RootResourceId
  const { PathPart, ParentId } = resources[ref].Properties;
  const parent = pathOf(ParentId);
  return `${parent === '/' ? '' : parent}/${PathPart}`;
}
const methodsOf = (apiId: string) =>
  ofType('AWS::ApiGateway::Method').filter(([, r]) => r.Properties.RestApiId.Ref === apiId);
/** The statements of the default policy of a function's role. */
function statementsOf(fn: { role?: IConstruct }): Array<{ Action: string | string[]; Resource: unknown }> {
  const roleId = logicalId(fn.role!);
  const [, policy] = ofType('AWS::IAM::Policy').find(([, r]) =>
    r.Properties.Roles.some((x: { Ref?: string }) => x.Ref === roleId),
  )!;
  return policy.Properties.PolicyDocument.Statement;
}
const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();
const joined = (value: unknown) => JSON.stringify(value);

describe('OAuth servers on AWS, with a custom domain', () => {
  it('deploys every configured server, the oauth ones too, without the left-out warning', () => {
    expect(Annotations.fromStack(main).findWarning('*', Match.stringLikeRegexp('authMode oauth'))).toHaveLength(0);
    expect([...main.servers, ...oauth.servers.map((s) => s.mcp)].map((mcp) => mcp.server.name).sort()).toEqual(
      configuredServers.map((server) => server.name).sort(),
    );
    expect(oauth.servers.map((s) => s.mcp.server.name)).toEqual(oauthConfigured.map((server) => server.name));
  });

  it('has one REGIONAL custom domain with TLS 1.2 and the given certificate', () => {
    template.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: DOMAIN,
      RegionalCertificateArn: CERTIFICATE,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
  });

  it('maps the empty path to the main API, each oauth route to its own API, .well-known and oauth', () => {
    const mappings = ofType('AWS::ApiGatewayV2::ApiMapping').map(([, r]) => [
      r.Properties.ApiMappingKey ?? '',
      r.Properties.ApiId.Ref,
    ]);
    expect(Object.fromEntries(mappings)).toEqual({
      '': logicalId(main.api!),
      ...Object.fromEntries(oauth.servers.map((s) => [s.mcp.server.routes[0].slice(1), logicalId(s.api)])),
      '.well-known': logicalId(oauth.discoveryApi),
      oauth: logicalId(oauth.authorizationServerApi),
    });
    expect(mappings).toHaveLength(3 + oauthConfigured.length);
    expect(Object.keys(Object.fromEntries(mappings))).toContain('demo-oauth/mcp');
    for (const [, mapping] of ofType('AWS::ApiGatewayV2::ApiMapping')) {
      expect(mapping.Properties.DomainName).toEqual({ Ref: logicalId(oauth.domainName) });
    }
  });

  it("leaves the main API's key-mode routes as they were", () => {
    const paths = methodsOf(logicalId(main.api!)).map(([, r]) => pathOf(r.Properties.ResourceId));
    expect(new Set(paths)).toEqual(new Set(main.servers.map((mcp) => mcp.server.routes[0])));
  });

  it('gives each oauth server an API of its own: methods at its root, its stage naming it, no execute-api URL', () => {
    for (const { api, mcp } of oauth.servers) {
      const apiId = logicalId(api);
      expect(resources[apiId].Properties.DisableExecuteApiEndpoint).toBe(true);
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        RestApiId: { Ref: apiId },
        StageName: 'prod',
        Variables: { mcpGateServer: mcp.server.name },
      });
      const methods = methodsOf(apiId);
      expect(methods.map(([, r]) => r.Properties.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'POST']);
      for (const [, method] of methods) {
        expect(pathOf(method.Properties.ResourceId)).toBe('/');
        expect(method.Properties.AuthorizationType).toBe('CUSTOM');
        expect(joined(method.Properties.Integration.Uri)).toContain(logicalId(mcp.handler));
      }
    }
  });

  it("counts an oauth server's calls against the plan of the key behind the token", () => {
    const usagePlans = ofType('AWS::ApiGateway::UsagePlan');
    expect(usagePlans.length).toBeGreaterThan(0);
    for (const { api } of oauth.servers) {
      const apiId = logicalId(api);
      expect(resources[apiId].Properties.ApiKeySourceType).toBe('AUTHORIZER');
      for (const [, method] of methodsOf(apiId)) expect(method.Properties.ApiKeyRequired).toBe(true);
      for (const [, plan] of usagePlans)
        expect(plan.Properties.ApiStages).toContainEqual(expect.objectContaining({ ApiId: { Ref: apiId } }));
    }
  });

  it('gives each oauth server its own authorizer, on Authorization, so cached answers never cross servers', () => {
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 2 + oauthConfigured.length);
    const seen = new Set<string>();
    for (const { api } of oauth.servers) {
      const apiId = logicalId(api);
      const authorizerIds = new Set(methodsOf(apiId).map(([, r]) => r.Properties.AuthorizerId.Ref as string));
      expect(authorizerIds.size).toBe(1);
      const [authorizerId] = authorizerIds;
      expect(seen.has(authorizerId)).toBe(false);
      seen.add(authorizerId);
      expect(resources[authorizerId].Properties).toMatchObject({
        RestApiId: { Ref: apiId },
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization',
      });
      expect(joined(resources[authorizerId].Properties.AuthorizerUri)).toContain('AuthorizerFunction');
    }
  });

  it("answers 401 on an oauth server's API with its exact challenge, the other responses as the main API", () => {
    for (const { api, mcp } of oauth.servers) {
      const responses = ofType('AWS::ApiGateway::GatewayResponse').filter(
        ([, r]) => r.Properties.RestApiId.Ref === logicalId(api),
      );
      expect(responses.map(([, r]) => r.Properties.ResponseType).sort()).toEqual(Object.keys(GATEWAY_RESPONSES).sort());
      const unauthorized = responses.find(([, r]) => r.Properties.ResponseType === 'UNAUTHORIZED')![1].Properties;
      expect(unauthorized.StatusCode).toBe('401');
      expect(unauthorized.ResponseParameters).toEqual({
        'gatewayresponse.header.Content-Type': "'application/json'",
        'gatewayresponse.header.WWW-Authenticate': `'${oauthChallenge(ISSUER, mcp.server.routes[0])}'`,
      });
      expect(unauthorized.ResponseParameters['gatewayresponse.header.WWW-Authenticate']).toBe(
        `'Bearer resource_metadata="${ISSUER}/.well-known/oauth-protected-resource/${mcp.server.name}/mcp"'`,
      );
      expect(unauthorized.ResponseTemplates).toEqual({ 'application/json': OAUTH_UNAUTHORIZED.body });
      for (const [, response] of responses.filter(([, r]) => r.Properties.ResponseType !== 'UNAUTHORIZED')) {
        const spec = GATEWAY_RESPONSES[response.Properties.ResponseType as keyof typeof GATEWAY_RESPONSES];
        expect(response.Properties.StatusCode).toBe(String(spec.statusCode));
        expect(response.Properties.ResponseTemplates).toEqual({ 'application/json': spec.body });
      }
    }
    // The main API keeps its own 401, which never invites OAuth discovery.
    expect(
      joined(
        ofType('AWS::ApiGateway::GatewayResponse').filter(
          ([, r]) => r.Properties.RestApiId.Ref === logicalId(main.api!),
        ),
      ),
    ).not.toContain('WWW-Authenticate');
  });

  it('serves the protected-resource metadata as mocks rendered by the metadata function, at the root and per server', () => {
    const mocks = methodsOf(logicalId(oauth.discoveryApi)).filter(
      ([, r]) => r.Properties.HttpMethod === 'GET' && r.Properties.Integration.Type === 'MOCK',
    );
    const bodies = Object.fromEntries(
      mocks.map(([, r]) => [
        `/.well-known${pathOf(r.Properties.ResourceId)}`,
        JSON.parse(r.Properties.Integration.IntegrationResponses[0].ResponseTemplates['application/json']),
      ]),
    );
    const paths = [
      OAUTH_PATHS.protectedResourceMetadata,
      ...oauthConfigured.map((server) => `${OAUTH_PATHS.protectedResourceMetadata}${server.routes[0]}`),
    ];
    expect(Object.keys(bodies).sort()).toEqual(paths.sort());
    for (const path of paths) {
      expect(bodies[path]).toEqual(protectedResourceMetadata(configuredServers, ISSUER, path));
    }
    const own = bodies[`${OAUTH_PATHS.protectedResourceMetadata}/demo-oauth/mcp`];
    expect(own.resource).toBe(`${ISSUER}/demo-oauth/mcp`);
    expect(own.authorization_servers).toEqual([ISSUER]);
  });

  it('passes the authorization-server metadata (both names) and /oauth/{proxy+} to the authorization server', () => {
    const asId = logicalId(oauth.authorizationServer);
    const discovery = methodsOf(logicalId(oauth.discoveryApi)).filter(
      ([, r]) => r.Properties.Integration.Type === 'AWS_PROXY',
    );
    expect(
      discovery.map(([, r]) => `${r.Properties.HttpMethod} /.well-known${pathOf(r.Properties.ResourceId)}`).sort(),
    ).toEqual(
      [OAUTH_PATHS.authorizationServerMetadata, OAUTH_PATHS.openidConfiguration]
        .flatMap((path) => [`GET ${path}`, `OPTIONS ${path}`])
        .sort(),
    );
    const endpoints = methodsOf(logicalId(oauth.authorizationServerApi));
    expect(endpoints.map(([, r]) => `${r.Properties.HttpMethod} /oauth${pathOf(r.Properties.ResourceId)}`)).toEqual([
      'ANY /oauth/{proxy+}',
    ]);
    for (const [, method] of [...discovery, ...endpoints]) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(joined(method.Properties.Integration.Uri)).toContain(asId);
    }
    for (const api of [oauth.discoveryApi, oauth.authorizationServerApi]) {
      expect(resources[logicalId(api)].Properties.DisableExecuteApiEndpoint).toBe(true);
    }
  });

  it('runs the authorization server with the issuer, both tables and the cookie secret by ARN', () => {
    const fn = resources[logicalId(oauth.authorizationServer)].Properties;
    expect(fn.Environment.Variables).toEqual({
      OAUTH_ISSUER: ISSUER,
      GRANTS_TABLE_NAME: { Ref: logicalId(oauth.grantsTable.table) },
      KEYS_TABLE_NAME: { Ref: logicalId(main.keysTable.table) },
      OAUTH_COOKIE_SECRET_ARN: { Ref: logicalId(oauth.cookieSecret) },
    });
    expect(fn.Runtime).toBe('nodejs22.x');
  });

  it('generates the cookie secret in Secrets Manager, never in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const secret = resources[logicalId(oauth.cookieSecret)].Properties;
    expect(secret.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
    expect(secret.SecretString).toBeUndefined();
  });

  it('keeps the grants in an on-demand, recoverable, encrypted table with TTL, retained like the keys table', () => {
    const table = resources[logicalId(oauth.grantsTable.table)];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: GRANTS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: GRANTS_TABLE_SCHEMA.ttlAttribute, Enabled: true },
    });
    expect(
      table.Properties.GlobalSecondaryIndexes.map((index: { IndexName: string }) => index.IndexName).sort(),
    ).toEqual([GRANTS_TABLE_SCHEMA.grantIdIndex, GRANTS_TABLE_SCHEMA.keyIdIndex, GRANTS_TABLE_SCHEMA.uidIndex].sort());
  });

  it("grants the authorizer the token path's reads: GetItem on grants, Query on the keys table's keyId-index only", () => {
    const statements = statementsOf(main.authorizer.handler);
    const keysArn = { 'Fn::GetAtt': [logicalId(main.keysTable.table), 'Arn'] };
    const grantsArn = { 'Fn::GetAtt': [logicalId(oauth.grantsTable.table), 'Arn'] };
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'dynamodb:GetItem', Resource: grantsArn, Effect: 'Allow' }),
    );
    const query = statements.filter((s) => actionsOf(s).includes('dynamodb:Query'));
    expect(query).toHaveLength(1);
    expect(query[0].Resource).toEqual({ 'Fn::Join': ['', [keysArn, `/index/${KEYS_TABLE_SCHEMA.keyIdIndex}`]] });
    expect(joined(statements)).not.toContain('index/*');
    expect(joined(statements)).not.toContain('secretsmanager');
  });

  it('grants the authorization server exactly what it does, and only it reads the cookie secret', () => {
    const statements = statementsOf(oauth.authorizationServer);
    const keysArn = { 'Fn::GetAtt': [logicalId(main.keysTable.table), 'Arn'] };
    const grantsArn = { 'Fn::GetAtt': [logicalId(oauth.grantsTable.table), 'Arn'] };
    const index = (arn: unknown, name: string) => ({ 'Fn::Join': ['', [arn, `/index/${name}`]] });
    const table = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const expected = [
      { Action: ['dynamodb:GetItem'], Resource: keysArn },
      { Action: ['dynamodb:Query'], Resource: index(keysArn, KEYS_TABLE_SCHEMA.keyIdIndex) },
      {
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: grantsArn,
      },
      {
        Action: ['dynamodb:Query'],
        Resource: [index(grantsArn, GRANTS_TABLE_SCHEMA.grantIdIndex), index(grantsArn, GRANTS_TABLE_SCHEMA.uidIndex)],
      },
    ];
    // Per action and resource, whichever way IAM policy minimization groups them.
    const pairs = (list: Array<{ Action: string | string[]; Resource: unknown }>) =>
      list
        .flatMap((s) => actionsOf(s).flatMap((action) => [s.Resource].flat().map((r) => `${action} ${joined(r)}`)))
        .sort();
    expect(pairs(table)).toEqual(pairs(expected));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: logicalId(oauth.cookieSecret) },
      }),
    );
    // Other functions read their own tools' secrets; the cookie secret is the authorization server's alone.
    const cookieSecretRef = JSON.stringify({ Ref: logicalId(oauth.cookieSecret) });
    const readers = ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r).includes(cookieSecretRef));
    expect(readers).toHaveLength(1);
    expect(readers[0][1].Properties.Roles).toEqual([{ Ref: logicalId(oauth.authorizationServer.role!) }]);
  });

  it('outputs the oauth servers’ URLs under the domain, the issuer, the regional target and the grants table', () => {
    expect(outputs.DemoOauthUrl.Value).toBe(`${ISSUER}/demo-oauth/mcp`);
    expect(outputs.DemoOauthUrl.Value).toBe(resourceUri(ISSUER, '/demo-oauth/mcp'));
    expect(joined(outputs.DemoOauthMcpServers.Value)).toContain(`${ISSUER}/demo-oauth/mcp`);
    expect(outputs.OAuthIssuer.Value).toBe(ISSUER);
    expect(outputs.OAuthDomainTarget.Value).toEqual({
      'Fn::GetAtt': [logicalId(oauth.domainName), 'RegionalDomainName'],
    });
    expect(outputs.GrantsTableName.Value).toEqual({ Ref: logicalId(oauth.grantsTable.table) });
    // The layout's APIs have no execute-api URL to output.
    expect(Object.keys(outputs).filter((name) => name.includes('Endpoint'))).toEqual(
      Object.keys(outputs).filter((name) => name.startsWith('ApiEndpoint')),
    );
  });

  it('creates no DNS records without a hosted zone', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('passes cdk-nag AwsSolutions: every finding is fixed or acknowledged', () => {
    expect(unacknowledgedNagFindings(app, main)).toEqual([]);
  });
});

describe('OAuth servers on AWS, with a hosted zone', () => {
  it('creates A and AAAA alias records of the domain in it', () => {
    const zoneApp = appWithoutBundling({
      ...DOMAIN_CONTEXT,
      [CONTEXT_KEYS.hostedZoneId]: 'Z123EXAMPLE',
      [CONTEXT_KEYS.hostedZoneName]: 'example.com',
    });
    const zoned = Template.fromStack(buildMcpGateApp(zoneApp).main);
    for (const type of ['A', 'AAAA']) {
      zoned.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${DOMAIN}.`,
        Type: type,
        HostedZoneId: 'Z123EXAMPLE',
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue(), HostedZoneId: Match.anyValue() }),
      });
    }
  });
});

describe('OAuth servers on AWS, without a custom domain', () => {
  it('makes none of the layout, and the authorizer reads no grants table', () => {
    const plain = buildMcpGateApp(appWithoutBundling()).main;
    const t = Template.fromStack(plain);
    for (const type of [
      'AWS::ApiGateway::DomainName',
      'AWS::ApiGatewayV2::ApiMapping',
      'AWS::SecretsManager::Secret',
      'AWS::Route53::RecordSet',
    ]) {
      t.resourceCountIs(type, 0);
    }
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(plain.oauth).toBeUndefined();
    expect(joined(t.toJSON())).not.toContain('GRANTS_TABLE_NAME');
  });
});

describe('context and layout checks', () => {
  const domain: OAuthDomainSettings = { domainName: DOMAIN, certificateArn: CERTIFICATE };
  const oauthServer: ServerConfig = { name: 'sso', authMode: 'oauth', tools: ['echo'] };
  const keyed = (routes: string[]): ServerConfig => ({ name: 'keyed', authMode: 'apiKey', tools: ['echo'], routes });
  const build =
    (servers: ServerConfig[], oauthDomain: OAuthDomainSettings | null = domain) =>
    () =>
      new McpGateStack(appWithoutBundling(), 'Checked', { servers, oauthDomain: oauthDomain ?? undefined });

  it.each([
    ['a domain without a certificate', { [CONTEXT_KEYS.domainName]: DOMAIN }, /must be set together/],
    ['a certificate without a domain', { [CONTEXT_KEYS.certificateArn]: CERTIFICATE }, /must be set together/],
    ['a domain that is no host name', { ...DOMAIN_CONTEXT, [CONTEXT_KEYS.domainName]: 'https://x' }, /host name/],
    ['a certificate that is no ACM ARN', { ...DOMAIN_CONTEXT, [CONTEXT_KEYS.certificateArn]: 'abc' }, /ACM/],
    ['a zone id without its name', { ...DOMAIN_CONTEXT, [CONTEXT_KEYS.hostedZoneId]: 'Z1' }, /must be set together/],
    ['a zone without a domain', { [CONTEXT_KEYS.hostedZoneId]: 'Z1', [CONTEXT_KEYS.hostedZoneName]: 'x.com' }, /need/],
    ['a domain with the HTTP API', { ...DOMAIN_CONTEXT, [CONTEXT_KEYS.apiType]: 'http' }, /apiType=http cannot serve/],
  ])('refuses %s, naming the context keys', (_, context, message) => {
    expect(() => buildMcpGateApp(appWithoutBundling(context))).toThrow(ConfigError);
    expect(() => buildMcpGateApp(appWithoutBundling(context))).toThrow(message);
  });

  it.each([
    ['a server named oauth', [oauthServer, { name: 'oauth', authMode: 'apiKey', tools: ['echo'] }], /name is taken/],
    [
      'an oauth server with two routes',
      [{ ...oauthServer, routes: ['/sso/mcp', '/v2/sso/mcp'] }],
      /exactly one literal route/,
    ],
    [
      'an oauth server with a {param} route',
      [{ ...oauthServer, routes: ['/t/{tenant}/mcp'] }],
      /exactly one literal route/,
    ],
    ['a key-mode route under /oauth/', [oauthServer, keyed(['/oauth/keyed'])], /under \/oauth/],
    ['a key-mode route under /.well-known/', [oauthServer, keyed(['/.well-known/keyed'])], /under \/\.well-known/],
    ["a key-mode route under an oauth server's route", [oauthServer, keyed(['/sso/mcp/more'])], /under \/sso\/mcp/],
  ])('refuses %s with a ConfigError at synth', (_, servers, message) => {
    expect(build(servers as ServerConfig[])).toThrow(ConfigError);
    expect(build(servers as ServerConfig[])).toThrow(message);
  });

  it('refuses oauth servers given to the stack without a domain', () => {
    expect(build([oauthServer], null)).toThrow(/custom domain/);
  });

  it('deploys the configured oauth servers by default when given a domain', () => {
    const stack = new McpGateStack(appWithoutBundling(), 'Defaults', { oauthDomain: domain });
    expect(stack.oauth!.servers.map((s) => s.mcp.server.name)).toEqual(oauthConfigured.map((server) => server.name));
  });

  it('accepts the default layout and a key-mode server beside it', () => {
    expect(build([oauthServer, keyed(['/keyed/mcp'])])).not.toThrow();
    expect(Stack.of(build([oauthServer])()).stackName).toBe('Checked');
  });
});

describe("the authorization server's bundle", () => {
  it('is built as `cdk synth` builds it with no AWS SDK inside: its tables and its secret are reached by signed calls', async () => {
    // Act
    const result = await bundle({
      entryPoints: [HANDLER_ENTRIES.oauth],
      bundle: true,
      write: false,
      platform: 'node',
      target: GATE_BUNDLING.target,
      format: GATE_BUNDLING.format,
      mainFields: [...GATE_BUNDLING.mainFields],
      minify: GATE_BUNDLING.minify,
      keepNames: GATE_BUNDLING.keepNames,
      alias: { ...GATE_BUNDLING.alias },
      absWorkingDir: path.join(__dirname, '..', '..'),
      metafile: true,
      logLevel: 'silent',
    });
    // Assert
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((file) => /node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(file))).toEqual([]);
    expect(inputs.some((file) => file.includes('node_modules/oidc-provider/'))).toBe(true);
    // One mime-db, the project's, though koa's dependencies pin another.
    expect(inputs.filter((file) => file.endsWith('/mime-db/db.json'))).toEqual(['node_modules/mime-db/db.json']);
    const code = result.outputFiles[0].text;
    expect(code).toContain('DynamoDB_20120810.');
    expect(code).toContain('secretsmanager.GetSecretValue');
  });
});
