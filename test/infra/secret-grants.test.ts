import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { findServer } from '../../config/servers';
import type { ServerConfig } from '../../config/types';
import { KeyAuthorizer } from '../../lib/key-authorizer';
import { KeysTable } from '../../lib/keys-table';
import { McpServerFunction } from '../../lib/mcp-server-function';
import { appWithoutBundling } from './support';

// Arrange once: servers whose tools reference different secrets, one that references none.
const app = appWithoutBundling();
const stack = new Stack(app, 'SecretGrantsTest', { env: { account: '123456789012', region: 'eu-west-1' } });
const keys = new KeysTable(stack, 'Keys');
const authorizer = new KeyAuthorizer(stack, 'Authorizer', { keysTable: keys.table });
const api = new apigw.RestApi(stack, 'Api');
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/crm-token-AbCdEf';

const tool = (name: string, auth: NonNullable<Extract<ServerConfig['tools'][number], { kind: 'http' }>['auth']>) => ({
  kind: 'http' as const,
  name,
  description: name,
  baseUrl: 'https://api.example.com',
  auth,
});
const servers: Record<string, ServerConfig> = {
  alpha: {
    name: 'alpha',
    authMode: 'apiKey',
    tools: [
      tool('a', { type: 'bearer', token: { secretsManager: 'alpha/token' } }),
      tool('b', { type: 'basic', username: 'svc', password: { ssm: '/alpha/password', kmsKeyArn: KMS_KEY } }),
      // The same secret twice is granted once.
      tool('c', { type: 'bearer', token: { secretsManager: 'alpha/token' } }),
    ],
  },
  beta: {
    name: 'beta',
    authMode: 'apiKey',
    tools: [tool('d', { type: 'apiKey', name: 'x-key', value: { secretsManager: SECRET_ARN } })],
  },
  plain: { name: 'plain', authMode: 'apiKey', tools: ['echo', tool('e', { type: 'sigv4', service: 'execute-api' })] },
};
const functions = Object.fromEntries(
  Object.entries(servers).map(([name, server]) => [
    name,
    new McpServerFunction(stack, name, { server, authorizer, restApi: api }),
  ]),
);
const demo = new McpServerFunction(stack, 'Demo', { server: findServer('demo-openapi')!, authorizer, restApi: api });
const template = Template.fromStack(stack);

/** The statements of the role's policy other than writing logs. */
function secretStatements(fn: McpServerFunction): unknown[] {
  const roleId = stack.getLogicalId(fn.handler.role!.node.defaultChild as never);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(roleId),
  );
  return policies
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .filter((statement) => !String(statement.Action).startsWith('logs:'));
}

describe("each server function's role reads exactly the secrets its tools reference", () => {
  it('grants names (with the suffix Secrets Manager adds), parameters and their customer-managed key', () => {
    expect(secretStatements(functions.alpha)).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:alpha/token-??????',
      },
      {
        Action: 'ssm:GetParameter',
        Effect: 'Allow',
        Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/alpha/password',
      },
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: KMS_KEY },
    ]);
  });

  it('grants a secret given by full ARN as it is', () => {
    expect(secretStatements(functions.beta)).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: SECRET_ARN },
    ]);
  });

  it('grants nothing to a server whose tools reference no secret (sigv4 uses the role itself)', () => {
    expect(secretStatements(functions.plain)).toEqual([]);
  });

  it('grants the demo OpenAPI server its API key and client secret only', () => {
    expect(secretStatements(demo)).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: [
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-gate/demo/oauth-client-secret-??????',
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-gate/demo/pets-api-key-??????',
        ],
      },
    ]);
  });

  it('puts no secret value and no compiled OpenAPI tool in the template: only references', () => {
    const text = JSON.stringify(template.toJSON());

    expect(text).not.toMatch(/listPets|x-pets-key/);
    expect(text).toContain('mcp-gate/demo/pets-api-key');
  });
});
