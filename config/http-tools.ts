/**
 * The rules of a declarative HTTP tool's configuration, shared by the check at load
 * (validate.ts) and the handler that compiles the tool, so both refuse the same things.
 */
import type { HttpToolConfig } from './types';

/**
 * Longest downstream timeout: API Gateway ends an integration after 29 s, so a longer
 * timeout could never be reported to the client as a tool error.
 */
const MAX_HTTP_TOOL_TIMEOUT_MS = 29_000;

/** A `{param}` placeholder in a path, header or body template. */
export const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a path segment is one a URL parser resolves (`.`, `..`, also percent-encoded: `%2e`, `.%2E`). */
export function isDotSegment(segment: string): boolean {
  const plain = segment.replace(/%2e/gi, '.');
  return plain === '.' || plain === '..';
}

/**
 * The first problem with an HTTP tool's templates and limits (what does not depend on the
 * environment), or undefined. The message names neither server nor tool: the caller adds them.
 */
export function httpToolProblem(tool: HttpToolConfig): string | undefined {
  const parameters = tool.parameters ?? {};
  for (const name of Object.keys(parameters)) {
    if (!PARAMETER_NAME.test(name)) return `parameter name "${name}" is invalid`;
  }
  const path = tool.path ?? '';
  const templates = [
    { where: 'path', text: path },
    ...Object.entries(tool.headers ?? {}).map(([name, text]) => ({ where: `header ${name}`, text })),
    ...stringLeaves(tool.body).map((text) => ({ where: 'body', text })),
  ];
  for (const { where, text } of templates) {
    for (const [, name] of text.matchAll(PLACEHOLDER)) {
      if (!Object.hasOwn(parameters, name)) return `placeholder {${name}} names no parameter (in ${where})`;
    }
  }
  if (tool.body !== undefined && (tool.method ?? 'GET') === 'GET') return 'a GET request cannot have a body';
  if (path.includes('#')) return 'path must not contain a fragment';
  const pathPart = path.split('?', 1)[0];
  if (pathPart.split('/').some(isDotSegment)) return 'path must not contain a "." or ".." segment';
  const { timeoutMs } = tool;
  if (
    timeoutMs !== undefined &&
    !(Number.isInteger(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_HTTP_TOOL_TIMEOUT_MS)
  ) {
    return `timeoutMs must be an integer from 1 to ${MAX_HTTP_TOOL_TIMEOUT_MS} (API Gateway's integration timeout), got ${timeoutMs}`;
  }
  return undefined;
}

/** The problem with a base URL's value (literal or read from the environment), or undefined. */
export function baseUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `baseUrl "${raw}" is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `baseUrl "${raw}" must be an http or https URL`;
  if (url.search !== '' || url.hash !== '') {
    return `baseUrl "${raw}" must not have a query or fragment (put the query in path)`;
  }
  return undefined;
}

function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringLeaves);
  return [];
}
