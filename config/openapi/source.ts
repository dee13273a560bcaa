/**
 * The parts of an OpenAPI source's configuration that the function may also read: selector
 * syntax, the check at load, and how compiled tools replace the source in a server's tool
 * list. Data only: the parser lives in compile.ts, which only the synth and `npm start` load.
 */
import { baseUrlProblem } from '../http-tools';
import type { HttpToolConfig, OpenApiToolsConfig, ServerConfig, ToolRef } from '../types';

/** Operations a source may select without an explicit include list: clients choke on longer tool lists. */
export const MAX_OPERATIONS_WITHOUT_INCLUDE = 40;
/** Longest tool name: clients prefix names with the server's (`mcp__<server>__…`) and cap the total near 64. */
export const MAX_TOOL_NAME_LENGTH = 48;
export const COMPILED_TOOL_NAME = /^[A-Za-z0-9_-]{1,48}$/;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const SELECTOR_METHOD = /^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE) (\/\S*)$/;

export type Selector =
  | { readonly by: 'operationId'; readonly operationId: string }
  | { readonly by: 'tag'; readonly tag: string }
  | { readonly by: 'route'; readonly method: string; readonly path: string };

/** Parses `listPets`, `tag:pets` or `GET /pets/{petId}`; undefined when it is none of them. */
export function parseSelector(text: string): Selector | undefined {
  if (typeof text !== 'string' || text.trim() !== text || text === '') return undefined;
  if (text.startsWith('tag:')) return text.length > 4 ? { by: 'tag', tag: text.slice(4) } : undefined;
  const route = SELECTOR_METHOD.exec(text);
  if (route) return { by: 'route', method: route[1].toLowerCase(), path: route[2] };
  return /\s/.test(text) ? undefined : { by: 'operationId', operationId: text };
}

/** What is wrong with an OpenAPI source's configuration (not its document), or undefined. */
export function openApiSourceProblem(source: OpenApiToolsConfig): string | undefined {
  if (typeof source.document !== 'string' || !/\.(ya?ml|json)$/i.test(source.document)) {
    return 'document must be a .yaml, .yml or .json file';
  }
  if (typeof source.baseUrl === 'string') {
    const problem = baseUrlProblem(source.baseUrl);
    if (problem !== undefined) return problem;
  }
  for (const selector of [...(source.include ?? []), ...(source.exclude ?? [])]) {
    if (!parseSelector(selector)) {
      return `selector "${selector}" is not an operationId, "tag:<tag>" or "<METHOD> /path"`;
    }
  }
  for (const [key, name] of Object.entries(source.names ?? {})) {
    if (!COMPILED_TOOL_NAME.test(name)) {
      return `names["${key}"] = "${name}" must be 1-${MAX_TOOL_NAME_LENGTH} letters, digits, "_" or "-"`;
    }
  }
  return undefined;
}

/** The tools an OpenAPI source compiled to, one list per source of the server in config order. */
export type CompiledSources = readonly (readonly HttpToolConfig[])[];

/** The OpenAPI sources among a server's tools, in order. */
export function openApiSourcesOf(server: Pick<ServerConfig, 'tools'>): OpenApiToolsConfig[] {
  return server.tools.filter((tool): tool is OpenApiToolsConfig => typeof tool !== 'string' && tool.kind === 'openapi');
}

/** `server` with each OpenAPI source replaced by its compiled tools. */
export function withCompiledSources<T extends ServerConfig>(server: T, compiled: CompiledSources): T {
  const sources = openApiSourcesOf(server);
  if (sources.length !== compiled.length) {
    throw new Error(`server "${server.name}" has ${sources.length} OpenAPI sources, ${compiled.length} compiled`);
  }
  let next = 0;
  const tools = server.tools.flatMap((tool): readonly ToolRef[] =>
    typeof tool !== 'string' && tool.kind === 'openapi' ? compiled[next++] : [tool],
  );
  return { ...server, tools };
}
