import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { findServer } from '../../config/servers';
import { KeyAuthorizer } from '../../lib/key-authorizer';
import { KeysTable } from '../../lib/keys-table';
import { McpServerFunction } from '../../lib/mcp-server-function';
import { appWithoutBundling } from './support';

// Arrange once: one server per auth mode on a RestApi, a server with custom routes, a
// passthrough server without its DOWNSTREAM_URL, and two of them on two imported HTTP APIs.
const app = appWithoutBundling();
const stack = new Stack(app, 'McpServerTest');
const keys = new KeysTable(stack, 'Keys');
const authorizer = new KeyAuthorizer(stack, 'Authorizer', { keysTable: keys.table });
const api = new apigw.RestApi(stack, 'Api');

const demo = (name: string) => findServer(name)!;
const publicServer = new McpServerFunction(stack, 'Public', { server: demo('demo-public'), restApi: api });
const apiKeyServer = new McpServerFunction(stack, 'ApiKey', { server: demo('demo-apikey'), authorizer, restApi: api });
const passthrough = new McpServerFunction(stack, 'Passthrough', {
  server: demo('demo-passthrough'),
  authorizer,
  restApi: api,
  environment: { DOWNSTREAM_URL: 'https://downstream.example.com', UNRELATED: 'not passed on' },
});
new McpServerFunction(stack, 'Custom', {
  server: { name: 'custom', authMode: 'apiKey', tools: ['echo'], routes: ['/custom/a', '/custom/b'] },
  authorizer,
  restApi: api,
});
new McpServerFunction(stack, 'Unconfigured', {
  server: { ...demo('demo-passthrough'), name: 'unconfigured', routes: ['/unconfigured/mcp'] },
  authorizer,
  restApi: api,
});
const httpA = apigwv2.HttpApi.fromHttpApiAttributes(stack, 'HttpA', { httpApiId: 'httpa' });
const httpB = apigwv2.HttpApi.fromHttpApiAttributes(stack, 'HttpB', { httpApiId: 'httpb' });
for (const http of [httpA, httpB]) {
  publicServer.addToHttpApi(http);
  apiKeyServer.addToHttpApi(http);
}
const template = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

function methodsOf(path: string): Record<string, { Properties: Record<string, unknown> }> {
  const resourceId = id(api.root.resourceForPath(path) as apigw.Resource);
  return template.findResources('AWS::ApiGateway::Method', {
    Properties: { ResourceId: { Ref: resourceId } },
  }) as Record<string, { Properties: Record<string, unknown> }>;
}

describe('McpServerFunction on a REST API', () => {
  it.each(['/demo-public/mcp', '/demo-apikey/mcp', '/demo-passthrough/mcp', '/custom/a', '/custom/b'])(
    'POST, GET and DELETE on %s reach the handler through a proxy integration',
    (path) => {
      const methods = Object.values(methodsOf(path));
      expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'POST']);
      for (const method of methods) {
        expect(method.Properties.Integration).toEqual(
          expect.objectContaining({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' }),
        );
      }
    },
  );

  it('none: authorization NONE, no authorizer', () => {
    for (const method of Object.values(methodsOf('/demo-public/mcp'))) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(method.Properties.AuthorizerId).toBeUndefined();
    }
  });

  it.each([
    ['/demo-apikey/mcp', 'RestApiKeyAuthorizer'],
    ['/custom/b', 'RestApiKeyAuthorizer'],
    ['/demo-passthrough/mcp', 'RestBearerPassthroughAuthorizer'],
  ])('%s: the key authorizer of its mode (%s)', (path, authorizerId) => {
    for (const method of Object.values(methodsOf(path))) {
      expect(method.Properties.AuthorizationType).toBe('CUSTOM');
      expect(method.Properties.AuthorizerId).toEqual({
        Ref: expect.stringMatching(new RegExp(`^Authorizer${authorizerId}[0-9A-F]{8}$`)),
      });
    }
  });

  it('bearerPassthrough: the Authorization header reaches the handler unchanged (no parameter mapping)', () => {
    for (const method of Object.values(methodsOf('/demo-passthrough/mcp'))) {
      expect((method.Properties.Integration as Record<string, unknown>).RequestParameters).toBeUndefined();
    }
  });

  it('scopes invoke permissions to each method, without test-invoke permissions', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [id(apiKeyServer.handler), 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/DELETE/demo-apikey/mcp$')])] },
    });
    const permissions = JSON.stringify(template.findResources('AWS::Lambda::Permission'));
    expect(permissions).not.toContain('test-invoke-stage');
  });

  it('refuses a guarded server without the authorizer', () => {
    const bare = new Stack(appWithoutBundling(), 'Bare');
    expect(() => new McpServerFunction(bare, 'S', { server: demo('demo-apikey') })).toThrow(/KeyAuthorizer/);
  });
});

describe('McpServerFunction function', () => {
  it('is Node.js 22 on arm64, 1024 MB, 29 s', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 29,
      Environment: { Variables: { MCP_SERVER_NAME: 'demo-public' } },
    });
  });

  it("gets the server's configured variables that have a value, and nothing else", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { MCP_SERVER_NAME: 'demo-passthrough', DOWNSTREAM_URL: 'https://downstream.example.com' },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { MCP_SERVER_NAME: 'unconfigured' } },
    });
  });

  it('has no access to the keys table: only the authorizer role may call DynamoDB', () => {
    const withDynamo = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('dynamodb:'),
    );
    expect(withDynamo.map((policy) => policy.Properties.Roles)).toEqual([
      [{ Ref: stack.getLogicalId(authorizer.handler.role!.node.defaultChild as never) }],
    ]);
    for (const mcp of [publicServer, apiKeyServer, passthrough]) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: stack.getLogicalId(mcp.handler.role!.node.defaultChild as never) }],
        PolicyDocument: { Statement: [Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] })] },
      });
    }
  });
});

describe('McpServerFunction on HTTP APIs', () => {
  it('adds POST, GET and DELETE routes: NONE for a public server, the key authorizer otherwise', () => {
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { ApiId: 'httpa', AuthorizationType: 'NONE' }, 3);
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { ApiId: 'httpa', AuthorizationType: 'CUSTOM' }, 3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: 'httpb',
      RouteKey: 'DELETE /demo-apikey/mcp',
      AuthorizationType: 'CUSTOM',
    });
  });

  it('integrates with payload 2.0, one integration per server and API', () => {
    template.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Integration',
      { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' },
      4,
    );
  });
});

describe('McpServerFunction CORS preflight', () => {
  // Arrange once: a keyed server that allows a browser origin (two routes) next to one that
  // allows none, on a RestApi and on an HTTP API imported by id.
  const corsApp = appWithoutBundling();
  const corsStack = new Stack(corsApp, 'CorsTest');
  const corsAuthorizer = new KeyAuthorizer(corsStack, 'Authorizer', {
    keysTable: new KeysTable(corsStack, 'Keys').table,
  });
  const corsApi = new apigw.RestApi(corsStack, 'Api');
  const corsHttp = apigwv2.HttpApi.fromHttpApiAttributes(corsStack, 'Http', { httpApiId: 'httpcors' });
  const browser = new McpServerFunction(corsStack, 'Browser', {
    server: {
      name: 'browser',
      authMode: 'apiKey',
      tools: ['echo'],
      allowedOrigins: ['https://app.example.com'],
      routes: ['/browser/mcp', '/browser/v2/mcp'],
    },
    authorizer: corsAuthorizer,
    restApi: corsApi,
  });
  const closed = new McpServerFunction(corsStack, 'Closed', {
    server: demo('demo-apikey'),
    authorizer: corsAuthorizer,
    restApi: corsApi,
  });
  browser.addToHttpApi(corsHttp);
  closed.addToHttpApi(corsHttp);
  const corsTemplate = Template.fromStack(corsStack);
  const corsId = (construct: { node: { defaultChild?: unknown } }) =>
    corsStack.getLogicalId(construct.node.defaultChild as never);
  const corsMethodsOf = (path: string) =>
    Object.values(
      corsTemplate.findResources('AWS::ApiGateway::Method', {
        Properties: { ResourceId: { Ref: corsId(corsApi.root.resourceForPath(path) as apigw.Resource) } },
      }),
    ) as Array<{ Properties: Record<string, unknown> }>;

  it.each(['/browser/mcp', '/browser/v2/mcp'])(
    'a server with allowedOrigins gets OPTIONS on %s: no authorization, proxied to its own function',
    (path) => {
      const methods = corsMethodsOf(path);
      expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'OPTIONS', 'POST']);
      const [preflight] = methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS');
      expect(preflight.Properties.AuthorizationType).toBe('NONE');
      expect(preflight.Properties.AuthorizerId).toBeUndefined();
      expect(preflight.Properties.Integration).toEqual(
        expect.objectContaining({
          Type: 'AWS_PROXY',
          Uri: { 'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': [corsId(browser.handler), 'Arn'] }])] },
        }),
      );
      for (const method of methods.filter((m) => m.Properties.HttpMethod !== 'OPTIONS')) {
        expect(method.Properties.AuthorizationType).toBe('CUSTOM');
      }
    },
  );

  it('lets the OPTIONS method invoke only that function', () => {
    corsTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [corsId(browser.handler), 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/OPTIONS/browser/v2/mcp$')])] },
    });
  });

  it('a server without allowedOrigins gets no OPTIONS method or route', () => {
    expect(
      corsMethodsOf('/demo-apikey/mcp')
        .map((m) => m.Properties.HttpMethod)
        .sort(),
    ).toEqual(['DELETE', 'GET', 'POST']);
    corsTemplate.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { RouteKey: 'OPTIONS /demo-apikey/mcp' }, 0);
    expect(closed.preflights).toEqual([]);
  });

  it('on an HTTP API: an OPTIONS route per route, no authorization, to the same integration', () => {
    corsTemplate.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Route',
      { ApiId: 'httpcors', RouteKey: Match.stringLikeRegexp('^OPTIONS '), AuthorizationType: 'NONE' },
      2,
    );
    const routes = corsTemplate.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: 'httpcors' } });
    const targetOf = (routeKey: string) =>
      Object.values(routes).find((route) => route.Properties.RouteKey === routeKey)!.Properties.Target;
    expect(targetOf('OPTIONS /browser/v2/mcp')).toEqual(targetOf('POST /browser/v2/mcp'));
    expect(targetOf('OPTIONS /browser/mcp')).not.toEqual(targetOf('POST /demo-apikey/mcp'));
    expect(browser.preflights).toHaveLength(4);
  });
});
