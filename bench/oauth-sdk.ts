/**
 * The OAuth authorization server as it was built on the AWS SDK (the document client for both
 * tables, the Secrets Manager client for the cookie secret): a reference bundle for part 4, to
 * compare with the deployed handler on the signed client.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { servers } from '../config/servers';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore } from '../lambdas/keys/dynamo-key-store';
import { SdkDynamoTransport } from '../lambdas/keys/sdk-dynamo-transport';
import { cookieKeysOf } from '../lambdas/oauth/cookie-secret';
import { createOAuthHandler, type OAuthHandler } from '../lambdas/oauth/handler';
import { readOAuthSettings } from '../lambdas/oauth/settings';

let built: Promise<OAuthHandler> | undefined;

async function build(): Promise<OAuthHandler> {
  const settings = readOAuthSettings();
  const client = createDocumentClient({ endpoint: settings.endpoint });
  const readSecret = async (secretArn: string) =>
    (await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '';
  return createOAuthHandler({
    issuer: settings.issuer,
    servers,
    keyStore: new DynamoKeyStore(client, settings.keysTableName),
    grants: { transport: new SdkDynamoTransport(client), tableName: settings.grantsTableName },
    cookieKeys: await cookieKeysOf(settings, readSecret),
  });
}

export async function handler(event: APIGatewayProxyEvent): ReturnType<OAuthHandler> {
  built ??= build();
  return (await built)(event);
}
