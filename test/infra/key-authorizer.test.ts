import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { IDENTITY_HEADERS, isGuarded } from '../../config/identity-sources';
import { AUTH_MODES } from '../../config/types';
import { httpIdentitySources, KeyAuthorizer, restIdentitySources } from '../../lib/key-authorizer';
import { KeysTable } from '../../lib/keys-table';
import { appWithoutBundling } from './support';

// Arrange once: an authorizer attached to a RestApi and an HttpApi of the stack (both modes),
// and to a REST API and an HTTP API imported by id; a second stack with the cache turned off.
const app = appWithoutBundling();
const stack = new Stack(app, 'AuthorizerTest');
const keys = new KeysTable(stack, 'Keys');
const authorizer = new KeyAuthorizer(stack, 'Authorizer', { keysTable: keys.table });

const restApi = new apigw.RestApi(stack, 'Api');
const mock = new apigw.MockIntegration();
restApi.root.resourceForPath('/demo-apikey/mcp').addMethod('POST', mock, {
  authorizer: authorizer.forRestApi(restApi, 'apiKey'),
});
restApi.root.resourceForPath('/demo-passthrough/mcp').addMethod('POST', mock, {
  authorizer: authorizer.forRestApi(restApi, 'bearerPassthrough'),
});
const importedRest = apigw.RestApi.fromRestApiAttributes(stack, 'ImportedRest', {
  restApiId: 'imported123',
  rootResourceId: 'root123',
});
importedRest.root.resourceForPath('/demo-apikey/mcp').addMethod('POST', mock, {
  authorizer: authorizer.forRestApi(importedRest, 'apiKey'),
});

const httpApi = new apigwv2.HttpApi(stack, 'Http');
const importedHttp = apigwv2.HttpApi.fromHttpApiAttributes(stack, 'ImportedHttp', { httpApiId: 'httpimp1' });
for (const [id, api, mode] of [
  ['Key', httpApi, 'apiKey'],
  ['Pass', httpApi, 'bearerPassthrough'],
  ['ImportedKey', importedHttp, 'apiKey'],
] as const) {
  new apigwv2.HttpRoute(stack, `Route${id}`, {
    httpApi: api,
    routeKey: apigwv2.HttpRouteKey.with(
      mode === 'apiKey' ? '/demo-apikey/mcp' : '/demo-passthrough/mcp',
      apigwv2.HttpMethod.POST,
    ),
    integration: new HttpUrlIntegration(`Url${id}`, 'https://example.com'),
    authorizer: authorizer.forHttpApi(api, mode),
  });
}

const uncached = new Stack(app, 'UncachedAuthorizerTest');
const uncachedAuthorizer = new KeyAuthorizer(uncached, 'Authorizer', {
  keysTable: new KeysTable(uncached, 'Keys').table,
  cacheTtl: Duration.seconds(0),
  memorySize: 1024,
});
const uncachedApi = new apigw.RestApi(uncached, 'Api');
uncachedApi.root.addMethod('POST', new apigw.MockIntegration(), {
  authorizer: uncachedAuthorizer.forRestApi(uncachedApi, 'apiKey'),
});

const template = Template.fromStack(stack);
const uncachedTemplate = Template.fromStack(uncached);
const functionId = stack.getLogicalId(authorizer.handler.node.defaultChild as never);
const tableId = stack.getLogicalId(keys.table.node.defaultChild as never);

describe('KeyAuthorizer function', () => {
  it('is Node.js 22 on arm64 with the table name and the cache TTL in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Environment: { Variables: { KEYS_TABLE_NAME: { Ref: tableId }, AUTH_CACHE_TTL_SECONDS: '60' } },
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
    });
  });

  it('logs to its own log group, kept a month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('may only GetItem and UpdateItem on the keys table, and write its own logs', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      },
      {
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('passes a cache TTL of 0 and other options through', () => {
    uncachedTemplate.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ AUTH_CACHE_TTL_SECONDS: '0' }) },
    });
  });

  it.each([3601, 1.5])('refuses a cache TTL of %d seconds', (seconds) => {
    const bad = new Stack(appWithoutBundling(), 'Bad');
    expect(
      () =>
        new KeyAuthorizer(bad, 'Authorizer', {
          keysTable: new KeysTable(bad, 'Keys').table,
          cacheTtl: Duration.millis(seconds * 1000),
        }),
    ).toThrow(/cacheTtl/);
  });
});

describe('KeyAuthorizer on a REST API', () => {
  it('apiKey: REQUEST authorizer with identity source x-api-key and the cache TTL', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      RestApiId: { Ref: stack.getLogicalId(restApi.node.defaultChild as never) },
      IdentitySource: 'method.request.header.x-api-key',
      AuthorizerResultTtlInSeconds: 30,
    });
  });

  it('bearerPassthrough: identity sources x-api-key and Authorization', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      IdentitySource: 'method.request.header.x-api-key,method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 30,
    });
  });

  it('turns the cache off with a TTL of 0', () => {
    uncachedTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
  });

  it('creates one authorizer per API and mode, and reuses it', () => {
    expect(authorizer.forRestApi(restApi, 'apiKey')).toBe(authorizer.forRestApi(restApi, 'apiKey'));
    expect(authorizer.forRestApi(restApi, 'apiKey')).not.toBe(authorizer.forRestApi(restApi, 'bearerPassthrough'));
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 3);
  });

  it('attaches to a method of a REST API imported by id, with the invoke permission for its authorizer ARN', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      RestApiId: 'imported123',
      IdentitySource: 'method.request.header.x-api-key',
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      RestApiId: 'imported123',
      HttpMethod: 'POST',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('RestApiKeyAuthorizer2') },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      SourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith([':imported123/authorizers/', { Ref: Match.stringLikeRegexp('RestApiKeyAuthorizer2') }]),
        ],
      },
    });
  });
});

describe('KeyAuthorizer on an HTTP API', () => {
  it('answers payload 2.0 with IAM policies (no simple responses), cache key including the route', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      ApiId: { Ref: stack.getLogicalId(httpApi.node.defaultChild as never) },
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: false,
      IdentitySource: ['$request.header.x-api-key', '$context.routeKey'],
      AuthorizerResultTtlInSeconds: 30,
      AuthorizerUri: {
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionId, 'Arn'] }, '/invocations'])],
      },
    });
  });

  it('bearerPassthrough: x-api-key, Authorization and the route', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      IdentitySource: ['$request.header.x-api-key', '$request.header.Authorization', '$context.routeKey'],
    });
  });

  it('guards routes, including on an HTTP API imported by id, with the invoke permission for its authorizer ARN', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { ApiId: 'httpimp1' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: 'httpimp1',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: Match.stringLikeRegexp('HttpApiKeyAuthorizer2') },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([':httpimp1/authorizers/'])] },
    });
  });
});

describe('identity sources', () => {
  it.each(AUTH_MODES.filter(isGuarded))("%s: the mode's IDENTITY_HEADERS, in order, on both API kinds", (mode) => {
    const headers = IDENTITY_HEADERS[mode];
    expect(restIdentitySources(mode)).toEqual(headers.map((header) => `method.request.header.${header}`));
    expect(httpIdentitySources(mode)).toEqual([
      ...headers.map((header) => `$request.header.${header}`),
      '$context.routeKey',
    ]);
  });
});
