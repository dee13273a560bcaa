import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  authorizerContextOf,
  eventToRequest,
  routePathsOf,
  toProxyResult,
  type McpEvent,
} from '../../lambdas/mcp/api-gateway';
import { createHandler } from '../../lambdas/mcp/handler';
import { requestIdOf } from '../../lambdas/shared/api-gateway-event';
import { createLogger } from '../../lambdas/shared/logger';
import { httpApiEvent, loadEvent, restEvent } from '../helpers/events';

describe('eventToRequest', () => {
  it('turns the REST fixture into a POST with its headers and body', async () => {
    // Arrange
    const event = loadEvent('mcp-tools-call.json');

    // Act
    const request = eventToRequest(event);

    // Assert
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://abcd123456.execute-api.eu-west-1.amazonaws.com/demo-apikey/mcp');
    expect(request.headers.get('accept')).toBe('application/json, text/event-stream');
    expect(request.headers.get('mcp-protocol-version')).toBe('2025-11-25');
    expect(JSON.parse(await request.text())).toMatchObject({ method: 'tools/call', params: { name: 'echo' } });
  });

  it('turns the HTTP API fixture into a POST with its headers, body and cookies', async () => {
    const event = httpApiEvent({ cookies: ['a=1', 'b=2'], rawQueryString: 'x=1&y=%20' });

    const request = eventToRequest(event);

    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://wxyz987654.execute-api.eu-west-1.amazonaws.com/demo-apikey/mcp?x=1&y=%20');
    expect(request.headers.get('cookie')).toBe('a=1; b=2');
    expect(request.headers.get('content-length')).toBeNull();
    expect(JSON.parse(await request.text())).toMatchObject({ params: { name: 'whoami' } });
  });

  it.each([
    { name: 'REST', event: restEvent({ body: Buffer.from('{"a":"é"}').toString('base64'), isBase64Encoded: true }) },
    {
      name: 'HTTP API',
      event: httpApiEvent({ body: Buffer.from('{"a":"é"}').toString('base64'), isBase64Encoded: true }),
    },
  ])('decodes a base64 body ($name)', async ({ event }) => {
    const request = eventToRequest(event as McpEvent);

    expect(await request.text()).toBe('{"a":"é"}');
  });

  it('keeps every value of a repeated header and query parameter (REST multi-value maps)', () => {
    const event = restEvent({
      multiValueHeaders: { Accept: ['application/json', 'text/event-stream'], 'X-Custom': ['1'] },
      multiValueQueryStringParameters: { tag: ['a', 'b c'] },
    });

    const request = eventToRequest(event);

    expect(request.headers.get('accept')).toBe('application/json, text/event-stream');
    expect(new URL(request.url).searchParams.getAll('tag')).toEqual(['a', 'b c']);
  });

  it('passes one Authorization on, the one the authorizer saw, when the header is repeated', () => {
    const event = restEvent({
      headers: { Authorization: 'Bearer second' },
      multiValueHeaders: { Authorization: ['Bearer first', 'Bearer second'] },
    });

    const request = eventToRequest(event);

    expect(request.headers.get('authorization')).toBe('Bearer second');
  });

  it('drops header values a Headers object cannot hold instead of failing', () => {
    const event = restEvent({ multiValueHeaders: { 'X-Emoji': ['\u{1F600}'], Accept: ['application/json'] } });

    const request = eventToRequest(event);

    expect(request.headers.get('x-emoji')).toBeNull();
    expect(request.headers.get('accept')).toBe('application/json');
  });

  it('leaves out an Authorization a Headers object cannot hold (REST, headers and multi-value headers)', () => {
    const event = restEvent({
      headers: { Authorization: 'Bearer €', Accept: 'application/json' },
      multiValueHeaders: { Authorization: ['Bearer €'], Accept: ['application/json'] },
    });

    const request = eventToRequest(event);

    expect(request.headers.get('authorization')).toBeNull();
    expect(request.headers.get('accept')).toBe('application/json');
  });

  it('sends no other Authorization in place of the one the authorizer saw when that one cannot be held', () => {
    const event = restEvent({
      headers: { Authorization: 'Bearer €' },
      multiValueHeaders: { Authorization: ['Bearer first', 'Bearer €'] },
    });

    const request = eventToRequest(event);

    expect(request.headers.get('authorization')).toBeNull();
  });

  it.each(['mcp-tools-call.json', 'mcp-passthrough-whoami.json'] as const)(
    'answers %s carrying an Authorization outside Latin-1 without a 500 (real handler)',
    async (file) => {
      // Arrange
      const handler = createHandler({ env: {}, logger: createLogger('mcp', { sink: () => undefined }) });
      const fixture = loadEvent(file);
      const event: McpEvent = {
        ...fixture,
        headers: { ...fixture.headers, Authorization: 'Bearer €' },
        multiValueHeaders: { ...fixture.multiValueHeaders, Authorization: ['Bearer €'] },
      };

      // Act
      const response = await handler(event);

      // Assert
      expect(response.statusCode).toBeLessThan(500);
      expect(response.body).not.toContain('€');
    },
  );

  it.each([
    { name: 'no domain', domainName: undefined },
    { name: 'a domain that is not a host', domainName: 'a b' },
  ])("gives a request with $name a host that is no one's, not a loopback one", ({ domainName }) => {
    const event = restEvent();

    const request = eventToRequest({ ...event, requestContext: { ...event.requestContext, domainName } });

    expect(new URL(request.url).hostname).toBe('unknown-domain.invalid');
  });

  it('sends no body with GET', async () => {
    const request = eventToRequest(restEvent({ httpMethod: 'GET', body: 'ignored' }));

    expect(request.method).toBe('GET');
    expect(request.body).toBeNull();
  });
});

describe('authorizerContextOf', () => {
  const rest = (authorizer: unknown): APIGatewayProxyEvent => {
    const event = restEvent();
    return { ...event, requestContext: { ...event.requestContext, authorizer: authorizer as never } };
  };
  const http = (authorizer: unknown): APIGatewayProxyEventV2 => {
    const event = httpApiEvent();
    return { ...event, requestContext: { ...event.requestContext, authorizer } as never };
  };

  it.each([
    {
      name: 'REST, strings (API Gateway)',
      event: rest({ principalId: 'key_1', server: 'demo-apikey', keyId: 'key_1', authMode: 'apiKey' }),
      expected: { server: 'demo-apikey', keyId: 'key_1', authMode: 'apiKey' },
    },
    {
      name: 'REST, raw values (sam local)',
      event: rest({ server: 'demo-apikey', keyId: 1234, authMode: 'apiKey', extra: { nested: true } }),
      expected: { server: 'demo-apikey', keyId: '1234', authMode: 'apiKey' },
    },
    {
      name: 'HTTP API lambda context',
      event: http({ lambda: { server: 's', keyId: 'key_2', authMode: 'bearerPassthrough' } }),
      expected: { server: 's', keyId: 'key_2', authMode: 'bearerPassthrough' },
    },
    { name: 'REST without authorizer', event: rest(undefined), expected: undefined },
    { name: 'REST with only principalId', event: rest({ principalId: 'anonymous' }), expected: undefined },
    { name: 'HTTP API without authorizer', event: http(undefined), expected: undefined },
    { name: 'HTTP API with a JWT authorizer', event: http({ jwt: { claims: {} } }), expected: undefined },
    {
      name: 'empty strings and objects count as absent',
      event: rest({ server: 'demo-apikey', keyId: '', authMode: { mode: 'apiKey' } }),
      expected: { server: 'demo-apikey', keyId: undefined, authMode: undefined },
    },
  ])('$name', ({ event, expected }) => {
    expect(authorizerContextOf(event)).toEqual(expected);
  });
});

describe('routePathsOf', () => {
  it.each([
    {
      name: 'REST resource then path',
      event: restEvent({ resource: '/{proxy+}', path: '/demo-public/mcp' }),
      expected: ['/{proxy+}', '/demo-public/mcp'],
    },
    {
      name: 'HTTP API route key then raw path',
      event: httpApiEvent(),
      expected: ['/demo-apikey/mcp', '/demo-apikey/mcp'],
    },
    {
      name: 'HTTP API $default route',
      event: httpApiEvent({ routeKey: '$default', rawPath: '/x/mcp' }),
      expected: ['/x/mcp'],
    },
    {
      name: 'HTTP API route key whose path is not a path',
      event: httpApiEvent({ routeKey: 'POST x/mcp', rawPath: '/x/mcp' }),
      expected: ['/x/mcp'],
    },
  ])('$name', ({ event, expected }) => {
    expect(routePathsOf(event as McpEvent)).toEqual(expected);
  });
});

describe('requestIdOf', () => {
  const rest = (requestId: unknown): McpEvent => {
    const event = restEvent();
    return { ...event, requestContext: { ...event.requestContext, requestId: requestId as string } };
  };
  const http = (requestId: unknown): McpEvent => {
    const event = httpApiEvent();
    return { ...event, requestContext: { ...event.requestContext, requestId: requestId as string } };
  };

  it.each([
    {
      name: 'a string',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      expected: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    },
    { name: 'empty', requestId: '', expected: undefined },
    { name: 'not a string', requestId: 42, expected: undefined },
    { name: 'over 128 characters', requestId: 'r'.repeat(10_000), expected: 'r'.repeat(128) },
  ])('$name (REST and HTTP API)', ({ requestId, expected }) => {
    expect(requestIdOf(rest(requestId))).toBe(expected);
    expect(requestIdOf(http(requestId))).toBe(expected);
  });

  it('is undefined for an event without a request context', () => {
    expect(requestIdOf({ ...restEvent(), requestContext: undefined as never })).toBeUndefined();
  });
});

describe('toProxyResult', () => {
  it('copies status, headers and body; an empty body becomes ""', async () => {
    const json = await toProxyResult(
      new Response('{"a":1}', { status: 200, headers: { 'Content-Type': 'application/json' } }),
    );
    const accepted = await toProxyResult(new Response(null, { status: 202 }));

    expect(json).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect(accepted).toEqual({ statusCode: 202, headers: {}, body: '', isBase64Encoded: false });
  });
});
