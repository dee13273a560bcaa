import fc from 'fast-check';
import { z } from 'zod';
import type { HttpToolConfig } from '../../config/types';
import { buildUrl, compileHttpTool, renderBody } from '../../lambdas/mcp/tools/http-tool';
import type { ToolContext } from '../../lambdas/mcp/tools/types';
import { ConfigError, InvalidInputError } from '../../lambdas/shared/errors';
import { createLogger } from '../../lambdas/shared/logger';

const deps = {
  env: { API_URL: 'https://api.example.com/base', BAD_URL: 'api.example.com' },
  logger: createLogger('mcp', { sink: () => undefined }),
};

function tool(overrides: Partial<HttpToolConfig> = {}): HttpToolConfig {
  return {
    kind: 'http',
    name: 'get_thing',
    description: 'd',
    baseUrl: { env: 'API_URL' },
    path: '/things/{id}',
    parameters: { id: { type: 'string' } },
    ...overrides,
  };
}

function ctxWith(fetch: ToolContext['fetch']): ToolContext {
  return {
    server: 's',
    authMode: 'none',
    keyId: null,
    authorizationReceived: false,
    fetch,
    signal: new AbortController().signal,
  };
}

describe('compileHttpTool configuration errors', () => {
  it.each([
    {
      name: 'placeholder naming no parameter',
      config: tool({ path: '/things/{nope}' }),
      message: /\{nope\} names no parameter/,
    },
    {
      name: 'placeholder in a header naming no parameter',
      config: tool({ headers: { 'x-a': '{who}' } }),
      message: /\{who\} names no parameter/,
    },
    {
      name: 'placeholder in the body naming no parameter',
      config: tool({ method: 'POST', body: { a: ['{who}'] } }),
      message: /\{who\} names no parameter/,
    },
    { name: 'GET with a body', config: tool({ body: { id: '{id}' } }), message: /GET request cannot have a body/ },
    {
      name: 'invalid parameter name',
      config: tool({ path: '', parameters: { 'a-b': { type: 'string' } } }),
      message: /parameter name "a-b"/,
    },
  ])('$name → ConfigError', ({ config, message }) => {
    expect(() => compileHttpTool(config, deps)).toThrow(ConfigError);
    expect(() => compileHttpTool(config, deps)).toThrow(message);
  });

  it.each([
    {
      name: 'unset environment variable',
      baseUrl: { env: 'MISSING_URL' },
      message: /get_thing is not configured: .*MISSING_URL/,
    },
    {
      name: 'not a URL',
      baseUrl: 'api.example.com',
      message: /not configured: baseUrl "api.example.com" is not a URL/,
    },
    { name: 'not http(s)', baseUrl: 'ftp://api.example.com', message: /must be an http or https URL/ },
    { name: 'with a query', baseUrl: 'https://api.example.com/?k=1', message: /must not have a query/ },
    {
      name: 'an environment value that is not a URL',
      baseUrl: { env: 'BAD_URL' },
      message: /not configured: baseUrl "api.example.com" is not a URL \(from environment variable BAD_URL\)/,
    },
  ])(
    'a base URL problem ($name) becomes a tool error at call time, without any request',
    async ({ baseUrl, message }) => {
      const fetch = jest.fn();
      const compiled = compileHttpTool(tool({ baseUrl }), deps);

      const result = await compiled.run({ id: '1' }, ctxWith(fetch));

      expect(result.isError).toBe(true);
      expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(message) }]);
      expect(fetch).not.toHaveBeenCalled();
    },
  );
});

describe('input schema from typed parameters', () => {
  it('maps each type, marks required ones, keeps descriptions and refuses unknown arguments', () => {
    // Arrange
    const compiled = compileHttpTool(
      tool({
        path: '',
        parameters: {
          s: { type: 'string', description: 'a string' },
          n: { type: 'number' },
          b: { type: 'boolean', required: false },
          a: { type: 'array' },
          o: { type: 'object', required: false },
        },
      }),
      deps,
    );

    // Act
    const schema = z.toJSONSchema(compiled.inputSchema) as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };

    // Assert
    expect(schema.properties).toMatchObject({
      s: { type: 'string', description: 'a string' },
      n: { type: 'number' },
      b: { type: 'boolean' },
      a: { type: 'array' },
      o: { type: 'object' },
    });
    expect(schema.required.sort()).toEqual(['a', 'n', 's']);
    expect(schema.additionalProperties).toBe(false);
    expect(compiled.inputSchema.safeParse({ s: 'x', n: 1, a: [], extra: 1 }).success).toBe(false);
  });
});

describe('buildUrl', () => {
  const base = new URL('https://api.example.com/v1/');
  it.each([
    { template: '', args: {}, expected: 'https://api.example.com/v1' },
    { template: '/items', args: {}, expected: 'https://api.example.com/v1/items' },
    { template: 'items', args: {}, expected: 'https://api.example.com/v1/items' },
    { template: '?a=1', args: {}, expected: 'https://api.example.com/v1?a=1' },
    { template: '/items/{id}', args: { id: '../admin' }, expected: 'https://api.example.com/v1/items/..%2Fadmin' },
    {
      template: '/items/{id}',
      args: { id: '@evil.example' },
      expected: 'https://api.example.com/v1/items/%40evil.example',
    },
    {
      template: '/search?q={q}&n={n}',
      args: { q: 'a b&c=d#e', n: 5 },
      expected: 'https://api.example.com/v1/search?q=a%20b%26c%3Dd%23e&n=5',
    },
    { template: '/search?q={q}&n={n}', args: { n: 5 }, expected: 'https://api.example.com/v1/search?n=5' },
    { template: '/search?q={q}', args: {}, expected: 'https://api.example.com/v1/search' },
    {
      template: '/f?on={on}&tags={tags}',
      args: { on: true, tags: ['x', 'y'] },
      expected: 'https://api.example.com/v1/f?on=true&tags=%5B%22x%22%2C%22y%22%5D',
    },
  ])('$template with $args → $expected', ({ template, args, expected }) => {
    expect(buildUrl(base, template, args).href).toBe(expected);
  });

  it.each([
    { template: '/items/{id}', id: '..' },
    { template: '/items/{id}', id: '.' },
    { template: '/items/{id}/details', id: '..' },
    { template: '/items/{a}{id}', id: '.', a: '.' },
    { template: '/items/%2e{id}', id: '.' },
    { template: '/items/%2E{id}', id: '.' },
    { template: '/items/{id}?q=1', id: '..' },
  ])('refuses {id}=$id in $template: it would change which path is called', ({ template, id, a }) => {
    expect(() => buildUrl(base, template, { id, a })).toThrow(InvalidInputError);
    expect(() => buildUrl(base, template, { id, a })).toThrow(/would make the path segment "(\.|\.\.|%2e\.|%2E\.)"/);
  });

  it.each([
    { id: '...', path: '/v1/items/...' },
    { id: '%2e%2e', path: '/v1/items/%252e%252e' },
    { id: '.%2E', path: '/v1/items/.%252E' },
    { id: '../x', path: '/v1/items/..%2Fx' },
    { id: '..\\', path: '/v1/items/..%5C' },
  ])('keeps {id}=$id inside its segment: $path', ({ id, path }) => {
    expect(buildUrl(base, '/items/{id}', { id }).pathname).toBe(path);
  });

  it.each([
    { template: '/items/{id}', args: { id: '' } },
    { template: '/items/{id}', args: {} },
    { template: '/a/{id}/b', args: { id: '' } },
    { template: '/a/{id}/b', args: {} },
    { template: '/items/{a}{id}', args: { a: 'x', id: '' } },
    { template: '/items/item-{id}', args: { id: '' } },
    { template: '{id}', args: { id: '' } },
    { template: '/items/{id}?q={q}', args: { id: '', q: 'x' } },
  ])('refuses an empty or missing {id} in the path of $template ($args)', ({ template, args }) => {
    expect(() => buildUrl(base, template, args)).toThrow(InvalidInputError);
    expect(() => buildUrl(base, template, args)).toThrow(/\{id\} is empty/);
  });

  it('leaves an empty query placeholder as an empty value', () => {
    expect(buildUrl(base, '/items/{id}?q={q}&n={n}', { id: '7', q: '' }).href).toBe(
      'https://api.example.com/v1/items/7?q=',
    );
  });

  it('turns an optional path parameter left out into a tool error, without any request', async () => {
    const fetch = jest.fn();
    const compiled = compileHttpTool(
      tool({ method: 'DELETE', path: '/items/{id}', parameters: { id: { type: 'string', required: false } } }),
      deps,
    );

    const result = await compiled.run({}, ctxWith(fetch));

    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: expect.stringMatching(/^get_thing: \{id\} is empty/) }],
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('never lets a value change the origin, add a path segment or a query parameter (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (id, q) => {
        if (id === '' || id === '.' || id === '..') {
          expect(() => buildUrl(base, '/items/{id}?q={q}', { id, q })).toThrow(InvalidInputError);
          return;
        }
        const url = buildUrl(base, '/items/{id}?q={q}', { id, q });

        expect(url.origin).toBe(base.origin);
        expect(url.pathname.startsWith('/v1/items/')).toBe(true);
        expect(decodeURIComponent(url.pathname.slice('/v1/items/'.length))).toBe(id);
        expect([...url.searchParams.keys()]).toEqual(['q']);
        expect(url.searchParams.get('q')).toBe(q);
      }),
    );
  });

  it('turns a dot-segment argument into a tool error, without any request', async () => {
    const fetch = jest.fn();
    const compiled = compileHttpTool(tool(), deps);

    const result = await compiled.run({ id: '..' }, ctxWith(fetch));

    expect(result).toEqual({
      isError: true,
      content: [{ type: 'text', text: expect.stringMatching(/^get_thing: \{id\} would make the path segment "\.\."/) }],
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('turns an argument that cannot be URL-encoded (lone surrogate) into a tool error', async () => {
    const fetch = jest.fn();
    const compiled = compileHttpTool(tool(), deps);

    const result = await compiled.run({ id: '\ud800' }, ctxWith(fetch));

    expect(result.isError).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('renderBody', () => {
  it.each([
    { template: '{n}', args: { n: 3 }, expected: 3 },
    { template: { n: '{n}', s: 'n is {n}' }, args: { n: 3 }, expected: { n: 3, s: 'n is 3' } },
    {
      template: { o: '{o}', a: ['{a}', '{missing}'] },
      args: { o: { k: [1] }, a: false },
      expected: { o: { k: [1] }, a: [false, null] },
    },
    { template: { keep: 1, gone: '{missing}', text: 'x{missing}y' }, args: {}, expected: { keep: 1, text: 'xy' } },
    {
      template: { deep: { list: [{ v: '{v}' }] }, lit: null, num: 2 },
      args: { v: 'ok' },
      expected: { deep: { list: [{ v: 'ok' }] }, lit: null, num: 2 },
    },
  ])('$template with $args', ({ template, args, expected }) => {
    expect(renderBody(template, args)).toEqual(expected);
  });
});
