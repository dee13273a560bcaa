import { Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import { isGuarded } from '../config/identity-sources';
import type { McpServerFunction } from './mcp-server-function';

/**
 * The cdk-nag AwsSolutions findings mcp-gate accepts, each with its reason. Acknowledged on
 * the narrowest construct that causes it, never app-wide.
 */
const NAG_REASONS = {
  publicServer:
    "The server's authMode is none in config/servers.ts: a public MCP server by choice, so its methods have no authorizer. Stage throttling still applies.",
  customAuthorizer:
    'Callers are MCP clients holding an mcp-gate API key, checked by the Lambda REQUEST authorizer against key digests in DynamoDB; there are no Cognito users.',
  preflight:
    "CORS preflight (OPTIONS) of a server with allowedOrigins: browsers send it without credentials, so it can carry no API key and no Cognito token; it reaches only the server's handler, which answers a preflight and nothing else there.",
  requestValidation:
    'The MCP handler validates every JSON-RPC message and answers with JSON-RPC errors MCP clients understand; a gateway model would answer malformed requests with a non-JSON-RPC 400 and duplicate the protocol schema. Required headers are enforced by the authorizer identity sources (401 without invoking it).',
  waf: 'No WAF by default (it costs per web ACL and per request); stage throttling, the 10 MB gateway payload limit and the handler body limit bound abuse. Associate a web ACL with the stage where policy requires one.',
  cloudWatchRole:
    "API Gateway's account CloudWatch Logs role uses the AWS managed policy made for it (AmazonAPIGatewayPushToCloudWatchLogs); the stage's access and execution logs need that role.",
  tracing:
    'X-Ray accepts trace segments only for all resources: PutTraceSegments and PutTelemetryRecords have no resource-level permissions (the statement Lambda itself adds for active tracing).',
  alarmTopic:
    'The alarm topic carries alarm names, states and metric values, never request data; CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key would cost more than the notifications it protects. Publishing requires TLS (enforceSSL).',
  logRetentionFunction:
    "CDK's LogRetention function sets the retention of API Gateway's execution-log group, which API Gateway itself creates; it uses the basic Lambda execution policy and logs:PutRetentionPolicy/DeleteRetentionPolicy on any group (the group is named by API Gateway).",
  nodeRuntime:
    'Node.js 22 is the runtime this project requires, targets and tests against (sam local image, bundling target node22); move to a newer runtime deliberately, after running the tests on it.',
} as const;

/** Findings on the REST API and its stage: request validation (APIG2) and WAF (APIG3). */
export function acknowledgeGatewayFindings(api: apigw.RestApi): void {
  Validations.of(api).acknowledge({ id: 'AwsSolutions-APIG2', reason: NAG_REASONS.requestValidation });
  Validations.of(api.deploymentStage).acknowledge({ id: 'AwsSolutions-APIG3', reason: NAG_REASONS.waf });
}

/**
 * Findings on a server's methods and routes: no Cognito (COG4), and no authorization at all
 * (APIG4) on public servers and on CORS preflights.
 */
export function acknowledgeServerMethods(server: McpServerFunction): void {
  // REST methods live under the API's resources, not under the McpServerFunction construct.
  const preflights = new Set<IConstruct>(server.preflights);
  for (const scope of [...server.methods, ...server.httpRoutes]) {
    if (preflights.has(scope)) {
      Validations.of(scope).acknowledge({ id: 'AwsSolutions-APIG4', reason: NAG_REASONS.preflight });
      Validations.of(scope).acknowledge({ id: 'AwsSolutions-COG4', reason: NAG_REASONS.preflight });
      continue;
    }
    Validations.of(scope).acknowledge({ id: 'AwsSolutions-COG4', reason: NAG_REASONS.customAuthorizer });
    if (!isGuarded(server.server.authMode)) {
      Validations.of(scope).acknowledge({ id: 'AwsSolutions-APIG4', reason: NAG_REASONS.publicServer });
    }
  }
}

/** The AWS managed policy of API Gateway's account CloudWatch Logs role (IAM4), when the stack sets that role. */
export function acknowledgeCloudWatchRole(api: apigw.RestApi): void {
  Validations.of(api).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: NAG_REASONS.cloudWatchRole,
  });
}

/** Node.js 22 is not the newest Lambda Node.js runtime (L1). */
export function acknowledgeRuntime(...functions: IConstruct[]): void {
  for (const fn of functions)
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: NAG_REASONS.nodeRuntime });
}

/** The X-Ray statement in a traced function's role (IAM5 on `Resource::*`). */
export function acknowledgeTracing(role: IConstruct): void {
  Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.tracing });
}

/** The alarm topic: no KMS encryption (SNS2). */
export function acknowledgeAlarmTopic(topic: IConstruct): void {
  Validations.of(topic).acknowledge({ id: 'AwsSolutions-SNS2', reason: NAG_REASONS.alarmTopic });
}

/** CDK's LogRetention function, a singleton of the stack: its managed policy (IAM4) and wildcard (IAM5). */
export function acknowledgeLogRetentionFunction(stack: IConstruct): void {
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('LogRetention')) continue;
    for (const id of [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
    ]) {
      Validations.of(child).acknowledge({ id, reason: NAG_REASONS.logRetentionFunction });
    }
  }
}
