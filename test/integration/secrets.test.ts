import { createServer, type IncomingMessage, type Server } from 'node:http';
import { awsSecretLoader, cachedSecrets, SECRET_CACHE_MS, SecretUnavailableError } from '../../lambdas/mcp/secrets';
import { cookieKeysOf, secretReaderOf } from '../../lambdas/oauth/cookie-secret';
import { close, listen } from '../../local/listen';

/** A stand-in for the Secrets Manager and SSM JSON APIs that records each signed request. */
let server: Server;
let endpoint: string;
const requests: { target: string; authorization: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      const target = String(req.headers['x-amz-target']);
      requests.push({ target, authorization: String(req.headers.authorization), body });
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(value));
      };
      if (body.SecretId === 'denied' || body.Name === '/denied') {
        return answer(400, {
          __type: 'AccessDeniedException',
          message: 'User is not authorized to read the value s3cr3t',
        });
      }
      if (target === 'secretsmanager.GetSecretValue') return answer(200, { SecretString: `value of ${body.SecretId}` });
      answer(200, { Parameter: { Value: `value of ${body.Name}` } });
    });
  });
  endpoint = `http://127.0.0.1:${await listen(server, 0, 'PORT')}/`;
});
afterAll(() => close(server));
beforeEach(() => {
  requests.length = 0;
});

const env = () => ({
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'session',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
  AWS_ENDPOINT_URL_SSM: endpoint,
});

describe('reading secrets from Secrets Manager and SSM', () => {
  it('signs GetSecretValue and GetParameter (with decryption) with the role credentials', async () => {
    const load = awsSecretLoader(env());

    await expect(load({ secretsManager: 'team/token' })).resolves.toBe('value of team/token');
    await expect(load({ ssm: '/team/password' })).resolves.toBe('value of /team/password');

    expect(requests.map(({ target, body }) => ({ target, body }))).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: 'team/token' } },
      { target: 'AmazonSSM.GetParameter', body: { Name: '/team/password', WithDecryption: true } },
    ]);
    expect(requests[0].authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\//,
    );
    expect(requests[1].authorization).toMatch(/\/eu-west-1\/ssm\/aws4_request/);
  });

  it.each([{ secretsManager: 'denied' }, { ssm: '/denied' }])(
    'reports a refusal by its error type and the reference, never the service message: %o',
    async (ref) => {
      const error = await awsSecretLoader(env())(ref).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(SecretUnavailableError);
      expect((error as Error).message).toMatch(
        /^secret (secretsManager:denied|ssm:\/denied): \w+ answered AccessDeniedException$/,
      );
    },
  );

  it('fails without credentials in the environment', async () => {
    await expect(awsSecretLoader({ AWS_REGION: 'eu-west-1' })({ ssm: '/x' })).rejects.toThrow(
      /no AWS region or credentials/,
    );
  });

  it('keeps each value for minutes, reads each secret once at a time, and reads again once the time is up', async () => {
    let now = 0;
    const secrets = cachedSecrets(awsSecretLoader(env()), { clock: () => now });

    await Promise.all([secrets.read({ ssm: '/a' }), secrets.read({ ssm: '/a' }), secrets.read({ ssm: '/b' })]);
    now += SECRET_CACHE_MS - 1;
    await secrets.read({ ssm: '/a' });
    expect(requests).toHaveLength(2);

    now += 1;
    await secrets.read({ ssm: '/a' });
    expect(requests).toHaveLength(3);
  });
});

describe("the OAuth authorization server's cookie keys", () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:OAuthCookieSecret-AbCdEf';

  it('are read the same way: one signed GetSecretValue of the secret OAUTH_COOKIE_SECRET_ARN names', async () => {
    // Act
    const keys = await cookieKeysOf({ cookieKeys: [], cookieSecretArn: ARN }, secretReaderOf(env()));
    // Assert
    expect(keys).toEqual([`value of ${ARN}`]);
    expect(requests.map(({ target, body }) => ({ target, body }))).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: ARN } },
    ]);
    expect(requests[0].authorization).toMatch(/\/eu-west-1\/secretsmanager\/aws4_request/);
  });

  it('fail with the error type when Secrets Manager refuses, naming no value', async () => {
    const read = cookieKeysOf({ cookieKeys: [], cookieSecretArn: 'denied' }, secretReaderOf(env()));
    await expect(read).rejects.toThrow(/^secret secretsManager:denied: secretsmanager answered AccessDeniedException$/);
  });
});
