/**
 * The OpenAPI compiler: turns the selected operations of an OpenAPI 3.0 or 3.1 document into
 * declarative HTTP tools (config/types.ts `HttpToolConfig`). Runs at synth time and at
 * `npm start` only; the function receives the result as data and never loads a parser.
 *
 * Input schema: one flat object. Arguments are named after the parameter (characters other
 * than letters, digits and `_` become `_`). When two parameters would get the same name, the
 * first in the order path, query, header, body keeps it and each later one is prefixed with
 * where it goes (`query_id`, `header_id`, `body_id`). An object body contributes its
 * properties; any other body is one `body` argument.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { dereference, validate } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors';
import type { HttpToolConfig, HttpToolParameter, JsonSchema, OpenApiToolsConfig } from '../types';
import {
  HTTP_METHODS,
  MAX_OPERATIONS_WITHOUT_INCLUDE,
  MAX_TOOL_NAME_LENGTH,
  parseSelector,
  type Selector,
} from './source';
import { toInputSchema } from './schema';

type Obj = Record<string, unknown>;
type ToolMethod = NonNullable<HttpToolConfig['method']>;

const TOOL_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
/** Headers OpenAPI says are ignored as parameters: the tool sets them itself. */
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json(?:;.*)?$/i;

export interface CompiledSource {
  readonly tools: HttpToolConfig[];
  /** Operations left out and why (unsupported bodies, methods, parameters); each names the operation. */
  readonly warnings: string[];
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly tags: readonly string[];
  readonly spec: Obj;
  readonly pathItem: Obj;
}

/**
 * Reads, validates and dereferences the source's document (path relative to `root`), then
 * compiles it. Throws `ConfigError` naming the document and what is wrong.
 */
export async function compileOpenApiSource(source: OpenApiToolsConfig, root: string): Promise<CompiledSource> {
  const document = await loadOpenApiDocument(path.resolve(root, source.document), source.document);
  return compileOpenApiDocument(document, source);
}

/** Parses (YAML or JSON), validates and dereferences a document; `label` names it in errors. */
export async function loadOpenApiDocument(file: string, label = file): Promise<Obj> {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    // JSON is YAML too, but JSON.parse reads a large document many times faster.
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 });
  } catch (error) {
    throw new ConfigError(`OpenAPI document ${label}: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(raw) || typeof raw.openapi !== 'string' || !/^3\.[01]\./.test(raw.openapi)) {
    throw new ConfigError(`OpenAPI document ${label}: only OpenAPI 3.0 and 3.1 documents are supported`);
  }
  const result = await validate(structuredClone(raw) as never);
  if (!result.valid) {
    const problems = result.errors.map((error) => error.message.split('\n')[0]).slice(0, 5);
    throw new ConfigError(`OpenAPI document ${label} is not valid: ${problems.join('; ')}`);
  }
  return (await dereference(raw as never)) as unknown as Obj;
}

/** Compiles an already dereferenced document. Pure: tests feed it documents directly. */
export function compileOpenApiDocument(document: Obj, source: OpenApiToolsConfig): CompiledSource {
  const label = source.document;
  const openapi30 = typeof document.openapi === 'string' && document.openapi.startsWith('3.0');
  const operations = operationsOf(document);
  const include = (source.include ?? []).map((text) => ({ text, selector: parseSelector(text) as Selector }));
  const exclude = (source.exclude ?? []).map((text) => parseSelector(text) as Selector);
  for (const { text, selector } of include) {
    if (!operations.some((operation) => matches(selector, operation))) {
      throw new ConfigError(`OpenAPI document ${label}: include "${text}" matches no operation`);
    }
  }
  const selected = operations.filter(
    (operation) =>
      (include.length === 0 || include.some(({ selector }) => matches(selector, operation))) &&
      !exclude.some((selector) => matches(selector, operation)),
  );
  if (source.include === undefined && selected.length > MAX_OPERATIONS_WITHOUT_INCLUDE) {
    throw new ConfigError(
      `OpenAPI document ${label}: ${selected.length} operations selected, more than ${MAX_OPERATIONS_WITHOUT_INCLUDE}: ` +
        'list the ones to offer in `include` (by operationId, "tag:<tag>" or "<METHOD> /path"); ' +
        'clients slow down or fail with very long tool lists',
    );
  }

  const warnings: string[] = [];
  const tools: HttpToolConfig[] = [];
  const owners = new Map<string, string>();
  for (const operation of selected) {
    const where = describeOperation(operation);
    const compiled = compileOperation(operation, source, openapi30);
    if (typeof compiled === 'string') {
      warnings.push(`OpenAPI document ${label}: ${where} skipped: ${compiled}`);
      continue;
    }
    const owner = owners.get(compiled.name);
    if (owner !== undefined) {
      throw new ConfigError(
        `OpenAPI document ${label}: ${owner} and ${where} both become tool "${compiled.name}"; ` +
          'give one a different name in `names`',
      );
    }
    owners.set(compiled.name, where);
    tools.push(compiled);
  }
  return { tools, warnings };
}

function operationsOf(document: Obj): Operation[] {
  const operations: Operation[] = [];
  for (const [route, pathItem] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    if (!isObject(pathItem)) continue;
    for (const method of HTTP_METHODS) {
      const spec = pathItem[method];
      if (!isObject(spec)) continue;
      operations.push({
        method,
        path: route,
        operationId: typeof spec.operationId === 'string' ? spec.operationId : undefined,
        tags: Array.isArray(spec.tags) ? spec.tags.filter((tag): tag is string => typeof tag === 'string') : [],
        spec,
        pathItem,
      });
    }
  }
  return operations;
}

function matches(selector: Selector, operation: Operation): boolean {
  switch (selector.by) {
    case 'operationId':
      return operation.operationId === selector.operationId;
    case 'tag':
      return operation.tags.includes(selector.tag);
    case 'route':
      return operation.method === selector.method && operation.path === selector.path;
  }
}

function describeOperation(operation: Operation): string {
  const route = `${operation.method.toUpperCase()} ${operation.path}`;
  return operation.operationId === undefined ? route : `${operation.operationId} (${route})`;
}

/** A tool name from an operationId or method and path: `[A-Za-z0-9_-]`, at most 48 characters. */
export function toolNameOf(operation: Pick<Operation, 'method' | 'path' | 'operationId'>): string {
  const base = operation.operationId ?? `${operation.method}_${operation.path}`;
  const name = base
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
  return (name || operation.method).slice(0, MAX_TOOL_NAME_LENGTH);
}

/** The tool for one operation, or why it cannot be offered. */
function compileOperation(
  operation: Operation,
  source: OpenApiToolsConfig,
  openapi30: boolean,
): HttpToolConfig | string {
  if (!TOOL_METHODS.has(operation.method)) return `method ${operation.method.toUpperCase()} is not supported`;
  const method = operation.method.toUpperCase() as ToolMethod;
  const routeKey = `${method} ${operation.path}`;
  const name = source.names?.[operation.operationId ?? ''] ?? source.names?.[routeKey] ?? toolNameOf(operation);
  const spec = operation.spec;
  const summary = typeof spec.summary === 'string' ? spec.summary.trim() : '';
  const detail = typeof spec.description === 'string' ? spec.description.trim() : '';
  const description = [summary, detail].filter(Boolean).join('\n\n') || `${method} ${operation.path}`;

  const taken = new Set<string>();
  const parameters: Record<string, HttpToolParameter> = {};
  const claim = (raw: string, location: string): string | undefined => {
    const plain = argumentName(raw);
    for (const candidate of [plain, `${location}_${plain}`]) {
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
    return undefined;
  };

  const declared = new Map<string, Obj>();
  for (const list of [operation.pathItem.parameters, spec.parameters]) {
    for (const parameter of Array.isArray(list) ? list : []) {
      if (isObject(parameter) && typeof parameter.name === 'string' && typeof parameter.in === 'string') {
        declared.set(`${parameter.in}:${parameter.name}`, parameter); // the operation's overrides the path's
      }
    }
  }
  const byLocation = (location: string): Obj[] => [...declared.values()].filter((p) => p.in === location);
  for (const cookie of byLocation('cookie')) {
    if (cookie.required === true) return `required cookie parameter "${String(cookie.name)}" is not supported`;
  }

  let pathTemplate = operation.path;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  for (const location of ['path', 'query', 'header'] as const) {
    for (const parameter of byLocation(location)) {
      const raw = parameter.name as string;
      if (location === 'header' && RESERVED_HEADERS.has(raw.toLowerCase())) continue;
      const arg = claim(raw, location);
      if (arg === undefined) return `parameter "${raw}" (${location}) clashes with another argument`;
      parameters[arg] = parameterOf(parameter, location === 'path' || parameter.required === true, openapi30);
      if (location === 'path') {
        if (!pathTemplate.includes(`{${raw}}`)) return `path parameter "${raw}" does not appear in the path`;
        pathTemplate = pathTemplate.split(`{${raw}}`).join(`{${arg}}`);
      } else if (location === 'query') {
        query.push(`${encodeURIComponent(raw)}={${arg}}`);
      } else {
        headers[raw] = `{${arg}}`;
      }
    }
  }
  if (/\{[^}]*\}/.test(pathTemplate.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, ''))) {
    return 'the path has a placeholder no parameter declares';
  }

  let body: unknown;
  const requestBody = spec.requestBody;
  if (isObject(requestBody)) {
    const content = isObject(requestBody.content) ? requestBody.content : {};
    const mediaType = Object.keys(content).find((type) => JSON_MEDIA.test(type));
    if (mediaType === undefined) {
      return `request body ${Object.keys(content).join(', ') || '(no media type)'} is not supported (JSON bodies only)`;
    }
    if (method === 'GET') return 'a GET request with a body is not supported';
    const media = content[mediaType];
    const schema = toInputSchema(isObject(media) ? media.schema : undefined, { openapi30 });
    const bodyRequired = requestBody.required === true;
    if (isObject(schema.properties) && (schema.type === 'object' || schema.type === undefined)) {
      const template: Record<string, string> = {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      for (const [property, propertySchema] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
        const arg = claim(property, 'body');
        if (arg === undefined) return `body property "${property}" clashes with another argument`;
        parameters[arg] = fromSchema(propertySchema, bodyRequired && required.has(property));
        template[property] = `{${arg}}`;
      }
      body = template;
    } else {
      const arg = claim('body', 'request');
      if (arg === undefined) return 'the body clashes with another argument';
      const description = typeof requestBody.description === 'string' ? requestBody.description : undefined;
      parameters[arg] = fromSchema(
        description && !schema.description ? { ...schema, description } : schema,
        bodyRequired,
      );
      body = `{${arg}}`;
    }
  }

  const tool: HttpToolConfig = {
    kind: 'http',
    name,
    description,
    method,
    baseUrl: source.baseUrl,
    path: pathTemplate + (query.length > 0 ? `?${query.join('&')}` : ''),
    parameters,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(source.auth !== undefined ? { auth: source.auth } : {}),
    ...(source.timeoutMs !== undefined ? { timeoutMs: source.timeoutMs } : {}),
    ...(source.maxResponseBytes !== undefined ? { maxResponseBytes: source.maxResponseBytes } : {}),
  };
  return tool;
}

function parameterOf(parameter: Obj, required: boolean, openapi30: boolean): HttpToolParameter {
  let raw = parameter.schema;
  if (raw === undefined && isObject(parameter.content)) {
    const first = Object.values(parameter.content)[0];
    raw = isObject(first) ? first.schema : undefined;
  }
  const schema = toInputSchema(raw ?? { type: 'string' }, { openapi30 });
  const description = typeof parameter.description === 'string' ? parameter.description : undefined;
  return fromSchema(description && !schema.description ? { ...schema, description } : schema, required);
}

function fromSchema(schema: JsonSchema, required: boolean): HttpToolParameter {
  return {
    type: simpleType(schema),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    required,
    schema,
  };
}

function simpleType(schema: JsonSchema): HttpToolParameter['type'] {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'boolean' || type === 'array' || type === 'object') return type;
  return 'string';
}

/** An argument name the HTTP tool model accepts: letters, digits and `_`, not starting with a digit. */
function argumentName(raw: string): string {
  const name = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+(?=.)|_+$/g, '') || 'value';
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
