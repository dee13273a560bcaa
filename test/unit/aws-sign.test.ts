import { awsSecretLoader, staticSecrets } from '../../lambdas/mcp/secrets';
import { createTokenCache } from '../../lambdas/mcp/tools/client-credentials';
import { createAuthenticator } from '../../lambdas/mcp/tools/outbound-auth';
import { signedHeaders } from '../../lambdas/shared/aws-sign';

/** Counts loads of the signer module (the real one, loaded through this factory). */
let mockLoads = 0;
jest.mock('aws4', () => {
  mockLoads++;
  return jest.requireActual('aws4');
});

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

describe('the signer loads on first use only', () => {
  it('is not loaded by importing or building a sigv4 authenticator or a secret loader, only by signing', async () => {
    const authenticator = createAuthenticator(
      { type: 'sigv4', service: 'execute-api' },
      { env, secrets: staticSecrets({}), tokens: createTokenCache() },
    );
    awsSecretLoader(env);
    expect(mockLoads).toBe(0);

    const signed = await authenticator.apply({
      url: new URL('https://api.example.com/'),
      method: 'GET',
      headers: new Headers(),
      body: undefined,
    });
    expect(signed.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(mockLoads).toBe(1);
  });
});

describe('signedHeaders', () => {
  it('signs every header given, and the content type fetch sends for a body that names none', () => {
    const headers = signedHeaders({
      url: new URL('https://api.example.com:8443/v1/items?b=2&a=1'),
      method: 'POST',
      headers: new Headers({ accept: 'application/json', 'x-trace': 'abc' }),
      body: '{"a":1}',
      service: 'execute-api',
      region: 'eu-west-1',
      credentials: { ...credentials, sessionToken: 'session' },
      time: Date.UTC(2015, 7, 30, 12, 36, 0),
    });

    expect(headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(headers.get('x-amz-date')).toBe('20150830T123600Z');
    expect(headers.get('x-amz-security-token')).toBe('session');
    expect(headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token;x-trace, Signature=[0-9a-f]{64}$/,
    );
    // fetch sends these itself, with the same values.
    expect(headers.has('host')).toBe(false);
    expect(headers.has('content-length')).toBe(false);
  });
});
