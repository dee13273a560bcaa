import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileOpenApiDocument, loadOpenApiDocument } from '../../config/openapi/compile';
import { RECURSION_NOTE } from '../../config/openapi/schema';
import type { HttpToolConfig, OpenApiToolsConfig } from '../../config/types';

const work = mkdtempSync(join(tmpdir(), 'mcp-gate-openapi-compile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ok = { '200': { description: 'ok' } };
let documents = 0;

/** Writes the document, loads it with the real parser (validation and $ref inlining), compiles it. */
async function compile(
  document: Record<string, unknown>,
  source: Partial<OpenApiToolsConfig> = {},
): Promise<{ tools: HttpToolConfig[]; warnings: string[] }> {
  const file = join(work, `doc-${documents++}.json`);
  writeFileSync(file, JSON.stringify({ info: { title: 't', version: '1' }, openapi: '3.1.0', ...document }));
  const loaded = await loadOpenApiDocument(file, 'doc.json');
  return compileOpenApiDocument(loaded, {
    kind: 'openapi',
    document: 'doc.json',
    baseUrl: 'https://api.example.com',
    ...source,
  });
}

const byName = (tools: HttpToolConfig[], name: string): HttpToolConfig => {
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${tools.map((t) => t.name).join(', ')}`);
  return tool;
};

const NODE = {
  type: 'object',
  properties: { value: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } },
};

describe('OpenAPI compiler', () => {
  it.each([
    {
      case: 'operationIds become tool names; a missing one becomes method and path',
      paths: {
        '/users/{id}': {
          get: {
            operationId: 'getUser',
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: ok,
          },
          delete: {
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: ok,
          },
        },
      },
      names: ['getUser', 'delete_users_id'],
    },
    {
      case: 'characters outside [A-Za-z0-9_-] are replaced and names cut at 48 characters',
      paths: {
        '/a': { get: { operationId: 'list.all items', responses: ok } },
        '/b': { get: { operationId: 'x'.repeat(60), responses: ok } },
      },
      names: ['list_all_items', 'x'.repeat(48)],
    },
  ])('$case', async ({ paths, names }) => {
    const { tools } = await compile({ paths });

    expect(tools.map((tool) => tool.name)).toEqual(names);
  });

  it('inlines $refs, merges allOf into one object, drops read-only properties and keeps required', async () => {
    const { tools } = await compile({
      paths: {
        '/pets': {
          post: {
            operationId: 'createPet',
            summary: 'Create a pet',
            description: 'Adds one.',
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } },
            },
            responses: ok,
          },
        },
      },
      components: {
        schemas: {
          NewPet: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, tag: { type: 'string' } },
          },
          Pet: {
            allOf: [
              { $ref: '#/components/schemas/NewPet' },
              { type: 'object', required: ['id'], properties: { id: { type: 'integer', readOnly: true } } },
            ],
          },
        },
      },
    });
    const tool = byName(tools, 'createPet');

    expect(tool.description).toBe('Create a pet\n\nAdds one.');
    expect(tool.method).toBe('POST');
    expect(tool.body).toEqual({ name: '{name}', tag: '{tag}' });
    expect(tool.parameters).toEqual({
      name: { type: 'string', required: true, schema: { type: 'string' } },
      tag: { type: 'string', required: false, schema: { type: 'string' } },
    });
  });

  it('cuts recursive schemas at a fixed depth, leaving a finite schema', async () => {
    const { tools } = await compile({
      paths: {
        '/trees': {
          post: {
            operationId: 'plantTree',
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } },
            },
            responses: ok,
          },
        },
      },
      components: { schemas: { Node: NODE } },
    });
    type Schema = { items: { properties: { children: { items: unknown } } } };
    const children = byName(tools, 'plantTree').parameters?.children?.schema as unknown as Schema;

    expect(() => JSON.stringify(children)).not.toThrow();
    // The body is Node; its children's items are Node again (twice on the path); the next Node is cut.
    expect(children.items.properties.children.items).toEqual({ type: 'object', description: RECURSION_NOTE });
  });

  it.each([
    {
      version: '3.0.3',
      schema: { type: 'string', nullable: true },
      minimum: { type: 'integer', minimum: 0, exclusiveMinimum: true },
      nullable: { type: ['string', 'null'] },
      bound: { type: 'integer', exclusiveMinimum: 0 },
    },
    {
      version: '3.1.0',
      schema: { type: ['string', 'null'] },
      minimum: { type: 'integer', exclusiveMinimum: 0 },
      nullable: { type: ['string', 'null'] },
      bound: { type: 'integer', exclusiveMinimum: 0 },
    },
  ])(
    'OpenAPI $version: nullable and exclusive bounds come out as JSON Schema',
    async ({ version, schema, minimum, nullable, bound }) => {
      const { tools } = await compile({
        openapi: version,
        paths: {
          '/items': {
            get: {
              operationId: 'listItems',
              parameters: [
                { name: 'cursor', in: 'query', schema },
                { name: 'min', in: 'query', schema: minimum },
              ],
              responses: ok,
            },
          },
        },
      });
      const tool = byName(tools, 'listItems');

      expect(tool.path).toBe('/items?cursor={cursor}&min={min}');
      expect(tool.parameters?.cursor.schema).toEqual(nullable);
      expect(tool.parameters?.min.schema).toEqual(bound);
    },
  );

  it('resolves argument name clashes by the documented rule: path, query, header, then body get prefixed', async () => {
    const id = (location: string) => ({
      name: 'id',
      in: location,
      required: location === 'path',
      schema: { type: 'string' },
    });
    const { tools } = await compile({
      paths: {
        '/things/{id}': {
          put: {
            operationId: 'putThing',
            parameters: [
              id('header'),
              id('query'),
              id('path'),
              { name: 'X-Trace-Id', in: 'header', schema: { type: 'string' } },
            ],
            requestBody: {
              content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' } } } } },
            },
            responses: ok,
          },
        },
      },
    });
    const tool = byName(tools, 'putThing');

    expect(tool.path).toBe('/things/{id}?id={query_id}');
    expect(tool.headers).toEqual({ id: '{header_id}', 'X-Trace-Id': '{X_Trace_Id}' });
    expect(tool.body).toEqual({ id: '{body_id}' });
    expect(Object.keys(tool.parameters ?? {}).sort()).toEqual(['X_Trace_Id', 'body_id', 'header_id', 'id', 'query_id']);
    expect(tool.parameters?.id.required).toBe(true);
  });

  it('wraps a body that is not an object in one `body` argument', async () => {
    const { tools } = await compile({
      paths: {
        '/tags': {
          post: {
            operationId: 'setTags',
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } },
            },
            responses: ok,
          },
        },
      },
    });

    expect(byName(tools, 'setTags')).toMatchObject({
      body: '{body}',
      parameters: { body: { type: 'array', required: true, schema: { type: 'array', items: { type: 'string' } } } },
    });
  });

  it('skips operations with bodies other than JSON, with a warning naming each', async () => {
    const body = (type: string) => ({
      requestBody: { content: { [type]: { schema: { type: 'object' } } } },
      responses: ok,
    });
    const { tools, warnings } = await compile({
      paths: {
        '/upload': { post: { operationId: 'upload', ...body('multipart/form-data') } },
        '/raw': { put: { operationId: 'putRaw', ...body('application/octet-stream') } },
        '/json': { post: { operationId: 'postJson', ...body('application/vnd.api+json') } },
      },
    });

    expect(tools.map((tool) => tool.name)).toEqual(['postJson']);
    expect(warnings).toEqual([
      expect.stringMatching(/upload \(POST \/upload\) skipped: request body multipart\/form-data is not supported/),
      expect.stringMatching(/putRaw \(PUT \/raw\) skipped: request body application\/octet-stream is not supported/),
    ]);
  });

  it.each([
    { include: ['tag:b'], exclude: undefined, names: ['two'] },
    { include: ['GET /one', 'three'], exclude: undefined, names: ['one', 'three'] },
    { include: undefined, exclude: ['tag:a'], names: ['two'] },
  ])(
    'selects operations by operationId, tag or method and path: include $include, exclude $exclude',
    async ({ include, exclude, names }) => {
      const paths = {
        '/one': { get: { operationId: 'one', tags: ['a'], responses: ok } },
        '/two': { get: { operationId: 'two', tags: ['b'], responses: ok } },
        '/three': { get: { operationId: 'three', tags: ['a'], responses: ok } },
      };

      const { tools } = await compile({ paths }, { include, exclude });

      expect(tools.map((tool) => tool.name)).toEqual(names);
    },
  );

  it('renames with `names`, by operationId or method and path', async () => {
    const paths = {
      '/one': { get: { operationId: 'one', responses: ok } },
      '/two': { get: { responses: ok } },
    };

    const { tools } = await compile({ paths }, { names: { one: 'first', 'GET /two': 'second' } });

    expect(tools.map((tool) => tool.name)).toEqual(['first', 'second']);
  });

  it.each([
    {
      case: 'two operations that become the same name',
      paths: {
        '/a': { get: { operationId: 'list.items', responses: ok } },
        '/b': { get: { operationId: 'list_items', responses: ok } },
      },
      source: {},
      error:
        /list\.items \(GET \/a\) and list_items \(GET \/b\) both become tool "list_items"; give one a different name in `names`/,
    },
    {
      case: 'more than 40 operations without an include list',
      paths: Object.fromEntries(
        Array.from({ length: 41 }, (_, i) => [`/r${i}`, { get: { operationId: `r${i}`, responses: ok } }]),
      ),
      source: {},
      error: /41 operations selected, more than 40: list the ones to offer in `include`/,
    },
    {
      case: 'an include that matches nothing',
      paths: { '/a': { get: { operationId: 'a', responses: ok } } },
      source: { include: ['tag:none'] },
      error: /include "tag:none" matches no operation/,
    },
    {
      case: 'a duplicate operationId (the validator reports it)',
      paths: {
        '/a': { get: { operationId: 'same', responses: ok } },
        '/b': { get: { operationId: 'same', responses: ok } },
      },
      source: {},
      error: /doc\.json is not valid/,
    },
  ])('fails the build with a clear message on $case', async ({ paths, source, error }) => {
    await expect(compile({ paths }, source)).rejects.toThrow(error);
  });

  it('compiles more than 40 operations when an include list names them', async () => {
    const paths = Object.fromEntries(
      Array.from({ length: 41 }, (_, i) => [`/r${i}`, { get: { operationId: `r${i}`, tags: ['all'], responses: ok } }]),
    );

    const { tools } = await compile({ paths }, { include: ['tag:all'] });

    expect(tools).toHaveLength(41);
  });

  it('refuses documents that are not OpenAPI 3.0 or 3.1', async () => {
    await expect(compile({ openapi: '2.0', paths: {} })).rejects.toThrow(/only OpenAPI 3\.0 and 3\.1/);
  });
});
