import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DYNAMO_TIMEOUTS } from '../../lambdas/keys/dynamo-timeouts';
import { credentialsFromEnv, SignedDynamoClient } from '../../lambdas/keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../../lambdas/keys/signed-key-store';
import { KeyStoreUnavailableError } from '../../lambdas/shared/errors';

/** A loopback DynamoDB stand-in answering every request with `status` and `body` (failure paths only). */
async function answering(
  status: number,
  body: object,
): Promise<{ server: Server; endpoint: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('credentialsFromEnv', () => {
  it("takes the Lambda role's credentials, session token included", () => {
    expect(
      credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }, false),
    ).toEqual({ accessKeyId: 'AKIA', secretAccessKey: 's', sessionToken: 't' });
  });

  it('signs with placeholders only for a local endpoint, and fails without credentials otherwise', () => {
    expect(credentialsFromEnv({}, true)).toEqual({ accessKeyId: 'local', secretAccessKey: 'local' });
    expect(() => credentialsFromEnv({}, false)).toThrow(/AWS_ACCESS_KEY_ID/);
  });
});

describe('SignedDynamoClient failure paths', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' };

  it('tries throttling again up to maxAttempts, then the store fails closed', async () => {
    const { server, endpoint, seen } = await answering(400, {
      __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
      message: 'slow down',
    });
    try {
      const store = new SignedDynamoKeyStore(new SignedDynamoClient({ endpoint, env }), 'keys');
      const error = await store.getByDigest('0'.repeat(64)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyStoreUnavailableError);
      expect((error as Error).message).toMatch(/GetItem failed \(ThrottlingException: slow down\)/);
      expect(seen).toHaveLength(DYNAMO_TIMEOUTS.maxAttempts);
      expect(seen[0]['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
      expect(seen[0]['x-amz-security-token']).toBe('session');
      expect(seen[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIA\//);
    } finally {
      server.close();
    }
  });

  it('does not try a refused condition again: it is an answer, not an outage', async () => {
    const { server, endpoint, seen } = await answering(400, {
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    try {
      const store = new SignedDynamoKeyStore(new SignedDynamoClient({ endpoint, env }), 'keys');
      await expect(store.revoke('0'.repeat(64), new Date())).rejects.toThrow(/no such key/);
      expect(seen).toHaveLength(1);
    } finally {
      server.close();
    }
  });
});
