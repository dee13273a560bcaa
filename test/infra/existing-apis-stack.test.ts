import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { servers as configuredServers } from '../../config/servers';
import { deployableServers } from '../../lib/server-functions';
import { buildMcpGateApp } from '../../lib/app';
import { ExistingApisStack } from '../../lib/existing-apis-stack';
import { CONTEXT_KEYS } from '../../lib/settings';
import { appWithoutBundling, unacknowledgedNagFindings } from './support';

/** What the stacks deploy of the configuration: every server but the `oauth` ones. */
const servers = deployableServers(configuredServers).deployable;

// Arrange once: the app mode that attaches to an existing REST API (deploying to its stage)
// and an existing HTTP API, both imported by id; and a stack on an existing keys table.
const app = appWithoutBundling({
  [CONTEXT_KEYS.existingRestApiId]: 'a1b2c3d4e5',
  [CONTEXT_KEYS.existingRestApiRootResourceId]: 'r00t1d2e3f',
  [CONTEXT_KEYS.existingRestApiStage]: 'live',
  [CONTEXT_KEYS.existingHttpApiId]: 'h1t2p3a4p5',
});
const { existingApis } = buildMcpGateApp(app);
const httpOnly = new ExistingApisStack(app, 'HttpOnly', { httpApiId: 'h9h9h9h9h9', keysTableName: 'existing-keys' });
// A server that allows a browser origin, on both APIs: it gets OPTIONS for CORS preflights.
const withOrigins = new ExistingApisStack(app, 'WithOrigins', {
  restApi: { restApiId: 'b1b2b3b4b5', rootResourceId: 'r00t2', stageName: 'live' },
  httpApiId: 'h2h2h2h2h2',
  servers: [
    ...servers,
    { name: 'browser', authMode: 'bearerPassthrough', tools: ['echo'], allowedOrigins: ['https://app.example.com'] },
  ],
});
const template = Template.fromStack(existingApis!);
const withOriginsTemplate = Template.fromStack(withOrigins);
const httpOnlyTemplate = Template.fromStack(httpOnly);
const guarded = servers.filter((server) => server.authMode !== 'none').length;
/** One authorizer per guarded mode on an API, whatever the number of servers in it. */
const guardedModes = new Set(servers.filter((server) => server.authMode !== 'none').map((server) => server.authMode))
  .size;

describe('ExistingApisStack on a REST API imported by id', () => {
  it('adds /<server>/mcp under the given root resource, POST, GET and DELETE each', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', {
      RestApiId: 'a1b2c3d4e5',
      ParentId: 'r00t1d2e3f',
      PathPart: 'demo-apikey',
    });
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { RestApiId: 'a1b2c3d4e5' }, 3 * servers.length);
  });

  it('creates one REQUEST authorizer per guarded mode on that API, with the identity sources of the mode', () => {
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Authorizer',
      { RestApiId: 'a1b2c3d4e5', Type: 'REQUEST' },
      guardedModes,
    );
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      RestApiId: 'a1b2c3d4e5',
      IdentitySource: 'method.request.header.x-api-key,method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 30,
    });
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      { RestApiId: 'a1b2c3d4e5', AuthorizationType: 'CUSTOM', AuthorizerId: Match.anyValue() },
      3 * guarded,
    );
    template.resourcePropertiesCountIs(
      'AWS::ApiGateway::Method',
      { RestApiId: 'a1b2c3d4e5', AuthorizationType: 'NONE' },
      3,
    );
  });

  it("lets API Gateway invoke the authorizer from that API's authorizer ARNs", () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': ['AuthorizerFunction', 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([':a1b2c3d4e5/authorizers/'])] },
    });
  });

  it('deploys the new methods to the named stage, after they exist', () => {
    const deployments = template.findResources('AWS::ApiGateway::Deployment');
    const [deployment] = Object.values(deployments);
    expect(deployment.Properties).toEqual(expect.objectContaining({ RestApiId: 'a1b2c3d4e5', StageName: 'live' }));
    const methods = Object.keys(template.findResources('AWS::ApiGateway::Method'));
    expect(methods).toHaveLength(3 * servers.length);
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(methods));
  });
});

describe('ExistingApisStack on an HTTP API imported by id', () => {
  it('adds routes with payload 2.0 IAM-policy authorizers whose cache key includes the route', () => {
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { ApiId: 'h1t2p3a4p5' }, 3 * servers.length);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      ApiId: 'h1t2p3a4p5',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: false,
      IdentitySource: Match.arrayWith(['$request.header.x-api-key', '$context.routeKey']),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': ['AuthorizerFunction', 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([':h1t2p3a4p5/authorizers/'])] },
    });
  });

  it('outputs the server URLs on both APIs', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['RestDemoApikeyUrl', 'HttpDemoApikeyUrl']));
  });
});

describe('ExistingApisStack CORS preflight', () => {
  it('adds OPTIONS without authorization only for the server with allowedOrigins, on both APIs', () => {
    withOriginsTemplate.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 1);
    withOriginsTemplate.hasResourceProperties('AWS::ApiGateway::Method', {
      RestApiId: 'b1b2b3b4b5',
      HttpMethod: 'OPTIONS',
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
    withOriginsTemplate.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Route',
      { RouteKey: Match.stringLikeRegexp('^OPTIONS ') },
      1,
    );
    withOriginsTemplate.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: 'h2h2h2h2h2',
      RouteKey: 'OPTIONS /browser/mcp',
      AuthorizationType: 'NONE',
    });
    template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'OPTIONS' }, 0);
    template.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Route',
      { RouteKey: Match.stringLikeRegexp('^OPTIONS ') },
      0,
    );
  });

  it('deploys the OPTIONS method with the others', () => {
    const [deployment] = Object.values(withOriginsTemplate.findResources('AWS::ApiGateway::Deployment'));
    const [preflight] = Object.keys(
      withOriginsTemplate.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
    );
    expect(deployment.DependsOn).toEqual(expect.arrayContaining([preflight]));
  });
});

describe('ExistingApisStack keys table', () => {
  it('creates its own table unless told to use an existing one', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    httpOnlyTemplate.resourceCountIs('AWS::DynamoDB::Table', 0);
    httpOnlyTemplate.resourceCountIs('AWS::ApiGateway::Method', 0);
  });

  it('grants the authorizer GetItem and UpdateItem on the existing table only', () => {
    httpOnlyTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':table/existing-keys'])] },
          },
        ]),
      },
    });
  });

  it('needs an API to attach to', () => {
    expect(() => new ExistingApisStack(appWithoutBundling(), 'Nothing', {})).toThrow(/restApi or httpApiId/);
  });
});

describe('ExistingApisStack checks', () => {
  it('passes cdk-nag AwsSolutions', () => {
    expect(unacknowledgedNagFindings(app, existingApis!)).toEqual([]);
    expect(unacknowledgedNagFindings(app, httpOnly)).toEqual([]);
    expect(unacknowledgedNagFindings(app, withOrigins)).toEqual([]);
  });

  it('is not part of the app without context', () => {
    expect(buildMcpGateApp(appWithoutBundling()).existingApis).toBeUndefined();
    expect(Stack.isStack(existingApis)).toBe(true);
  });
});
