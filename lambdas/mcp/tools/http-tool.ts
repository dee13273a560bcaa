import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { baseUrlProblem, httpToolProblem, isDotSegment, PLACEHOLDER } from '../../../config/http-tools';
import { credentialUrlProblem, sendsCredential } from '../../../config/outbound-auth';
import type { HttpToolConfig, HttpToolParameter } from '../../../config/types';
import { ConfigError, InvalidInputError } from '../../shared/errors';
import { describeError, type Logger } from '../../shared/logger';
import { resolveConfigValue, type Env } from '../config-values';
import { DownstreamError } from '../errors';
import { SecretUnavailableError, staticSecrets, type SecretSource } from '../secrets';
import { ClientCredentialsError, createTokenCache, type TokenCache } from './client-credentials';
import { createAuthenticator, OutboundAuthError, redactSecrets, type Authenticator } from './outbound-auth';
import { textResult, toolError, type ToolContext, type ToolDefinition, type ToolInputSchema } from './types';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
/** Longest downstream error body quoted in a tool error. */
const ERROR_BODY_EXCERPT = 1_000;
const WHOLE_PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const ACCEPT = 'application/json, text/*;q=0.9, */*;q=0.5';

type Args = Readonly<Record<string, unknown>>;

export interface HttpToolDeps {
  /** Where `{ env: NAME }` values are read (and, for sigv4, the role's credentials). */
  readonly env: Env;
  readonly logger: Logger;
  /** Secret values for outbound auth, cached by the container. @default none: tools that need one report it */
  readonly secrets?: SecretSource;
  /** OAuth client-credentials tokens, cached by the container. @default a cache for this tool */
  readonly tokens?: TokenCache;
}

/**
 * Builds a declarative HTTP tool once per container: its input schema, its templates, and
 * its resolved base URL. A base URL that cannot be resolved (e.g. an unset environment
 * variable) does not fail the server: the tool answers every call with a tool error naming
 * the problem. Configuration mistakes (unknown placeholders, a GET with a body; see
 * config/http-tools.ts, also checked at load) throw `ConfigError`.
 */
export function compileHttpTool(config: HttpToolConfig, deps: HttpToolDeps): ToolDefinition {
  const method = config.method ?? 'GET';
  const pathTemplate = config.path ?? '';
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const parameters = config.parameters ?? {};
  const problem = httpToolProblem(config);
  if (problem !== undefined) throw new ConfigError(`http tool "${config.name}": ${problem}`);
  const baseUrl = resolveBaseUrl(config, deps);
  const authenticator = createAuthenticator(config.auth, {
    env: deps.env,
    secrets: deps.secrets ?? staticSecrets({}),
    tokens: deps.tokens ?? createTokenCache(),
  });

  return {
    name: config.name,
    description: config.description,
    inputSchema: inputSchemaOf(parameters),
    run: async (args, ctx) => {
      if (baseUrl instanceof ConfigError) return toolError(`${config.name} is not configured: ${baseUrl.message}`);
      let url: URL;
      let headers: Headers;
      try {
        url = buildUrl(baseUrl, pathTemplate, args);
        headers = buildHeaders(config.headers ?? {}, args, config.body !== undefined);
      } catch (error) {
        return toolError(`${config.name}: ${describeError(error).errorMessage}`);
      }
      const body = config.body === undefined ? undefined : JSON.stringify(renderBody(config.body, args));
      return callDownstream(
        { tool: config.name, url, method, headers, body, timeoutMs, maxResponseBytes, authenticator },
        ctx,
        deps.logger,
      );
    },
  };
}

interface DownstreamCall {
  readonly tool: string;
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly authenticator: Authenticator;
}

async function callDownstream(call: DownstreamCall, ctx: ToolContext, logger: Logger): Promise<CallToolResult> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const started = Date.now();
  // Only the origin is logged: paths and queries may carry arguments.
  const logFields = {
    server: ctx.server,
    requestId: ctx.requestId,
    tool: call.tool,
    method: call.method,
    origin: call.url.origin,
  };
  const { authenticator } = call;
  // An API may echo what it received (an error quoting the request): the result never shows a credential.
  let secrets: readonly string[] | undefined;
  const send = async (): Promise<Response> => {
    const request = await authenticator.apply(call, signal);
    secrets = request.secrets;
    return ctx.fetch(request.url, {
      method: call.method,
      headers: request.headers,
      body: request.body,
      signal,
      forwardAuthorization: authenticator.forwardsCallerAuthorization,
      carriesCredential: (request.secrets?.length ?? 0) > 0,
    });
  };
  try {
    let response = await send();
    if (response.status === 401 && authenticator.renew) {
      // The token may have been revoked or expired early: one retry with a fresh one.
      await response.body?.cancel();
      authenticator.renew();
      logger.info('downstream refused the token; retrying once with a new one', { ...logFields, status: 401 });
      response = await send();
    }
    const read = await readCapped(response, call.maxResponseBytes);
    const { truncated } = read;
    const text = redactSecrets(read.text, secrets, truncated);
    logger.info('downstream call', { ...logFields, status: response.status, durationMs: Date.now() - started });
    if (!response.ok) {
      const excerpt = text.length > ERROR_BODY_EXCERPT ? `${text.slice(0, ERROR_BODY_EXCERPT)}…` : text;
      const statusLine = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      return toolError(`${call.tool}: downstream responded ${statusLine}${excerpt ? `: ${excerpt}` : ''}`);
    }
    if (truncated) {
      return textResult(
        `${text}\n\n[truncated: the response is larger than ${call.maxResponseBytes} bytes; only its start is shown]`,
      );
    }
    return textResult(text);
  } catch (error) {
    const durationMs = Date.now() - started;
    if (timeout.aborted) {
      logger.warn('downstream timeout', { ...logFields, durationMs, timeoutMs: call.timeoutMs });
      return toolError(`${call.tool}: downstream did not answer within ${call.timeoutMs} ms`);
    }
    if (ctx.signal.aborted) return toolError(`${call.tool}: call cancelled`);
    logger.warn('downstream call failed', { ...logFields, durationMs, ...describeError(error) });
    if (error instanceof DownstreamError) return toolError(`${call.tool}: ${error.message}`);
    if (
      error instanceof SecretUnavailableError ||
      error instanceof ClientCredentialsError ||
      error instanceof OutboundAuthError
    ) {
      return toolError(`${call.tool}: could not authenticate to the API: ${error.message}`);
    }
    return toolError(`${call.tool}: request to ${call.url.origin} failed (${networkReason(error)})`);
  }
}

/**
 * The response body as text, at most its first `maxBytes` bytes (a character cut in two is
 * dropped); the rest is not read.
 */
async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    const room = maxBytes - received;
    received += value.byteLength;
    if (value.byteLength > room) {
      await reader.cancel();
      return { text: text + decoder.decode(value.subarray(0, room), { stream: true }), truncated: true };
    }
    text += decoder.decode(value, { stream: true });
  }
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return describeError(error).errorMessage;
}

function resolveBaseUrl(config: HttpToolConfig, deps: HttpToolDeps): URL | ConfigError {
  try {
    const raw = resolveConfigValue(config.baseUrl, deps.env);
    const problem =
      baseUrlProblem(raw) ?? (sendsCredential(config.auth) ? credentialUrlProblem('baseUrl', raw) : undefined);
    if (problem !== undefined) {
      const source = typeof config.baseUrl === 'string' ? '' : ` (from environment variable ${config.baseUrl.env})`;
      throw new ConfigError(problem + source);
    }
    return new URL(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    deps.logger.warn('http tool not configured', { tool: config.name, ...describeError(error) });
    return error;
  }
}

function inputSchemaOf(parameters: Readonly<Record<string, HttpToolParameter>>): ToolInputSchema {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, parameter] of Object.entries(parameters)) {
    let schema: z.ZodType =
      parameter.schema !== undefined
        ? z.fromJSONSchema(parameter.schema as Parameters<typeof z.fromJSONSchema>[0])
        : PARAMETER_SCHEMAS[parameter.type]();
    if (parameter.description !== undefined && parameter.schema === undefined) {
      schema = schema.describe(parameter.description);
    }
    shape[name] = parameter.required === false ? schema.optional() : schema;
  }
  return z.strictObject(shape);
}

const PARAMETER_SCHEMAS: Record<HttpToolParameter['type'], () => z.ZodType> = {
  string: () => z.string(),
  number: () => z.number(),
  boolean: () => z.boolean(),
  array: () => z.array(z.unknown()),
  object: () => z.record(z.string(), z.unknown()),
};

/** Text for a placeholder: strings as given, arrays and objects as JSON. */
function stringify(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * `baseUrl` + the rendered path template. Values are URL-encoded, so no argument can add a
 * path segment, a query parameter or change the host. A path placeholder left out or empty,
 * or a value that would make a path segment `.` or `..`, is refused (`InvalidInputError`):
 * `/items/{id}` must not become `/items/`. A query pair whose placeholder has no value
 * (optional parameter left out) is dropped; an empty query value is kept.
 */
export function buildUrl(baseUrl: URL, template: string, args: Args): URL {
  const queryStart = template.indexOf('?');
  const pathPart = queryStart === -1 ? template : template.slice(0, queryStart);
  const queryPart = queryStart === -1 ? undefined : template.slice(queryStart + 1);
  const encode = (_match: string, name: string): string =>
    args[name] === undefined ? '' : encodeURIComponent(stringify(args[name]));
  const encodePathValue = (match: string, name: string): string => {
    const value = encode(match, name);
    if (value === '') {
      throw new InvalidInputError(`{${name}} is empty or missing: a path parameter needs a value`);
    }
    return value;
  };

  let rendered = pathPart
    .split('/')
    .map((segment) => {
      const value = segment.replace(PLACEHOLDER, encodePathValue);
      // encodeURIComponent leaves `.` alone, and a URL parser would resolve the segment.
      if (value !== segment && isDotSegment(value)) {
        const names = [...segment.matchAll(PLACEHOLDER)].map(([placeholder]) => placeholder).join('');
        throw new InvalidInputError(
          `${names} would make the path segment "${value}": a parameter cannot change which path is called`,
        );
      }
      return value;
    })
    .join('/');
  if (queryPart !== undefined) {
    const pairs = queryPart
      .split('&')
      .filter((pair) => pair !== '' && [...pair.matchAll(PLACEHOLDER)].every(([, name]) => args[name] !== undefined))
      .map((pair) => pair.replace(PLACEHOLDER, encode));
    if (pairs.length > 0) rendered += `?${pairs.join('&')}`;
  }
  const base = baseUrl.href.replace(/\/+$/, '');
  const joined =
    rendered === '' || rendered.startsWith('?') ? base + rendered : `${base}/${rendered.replace(/^\/+/, '')}`;
  const url = new URL(joined);
  if (url.origin !== baseUrl.origin) throw new DownstreamError('rendered URL leaves the configured base origin');
  return url;
}

function buildHeaders(templates: Readonly<Record<string, string>>, args: Args, jsonBody: boolean): Headers {
  const headers = new Headers({ accept: ACCEPT });
  if (jsonBody) headers.set('content-type', 'application/json');
  for (const [name, template] of Object.entries(templates)) {
    const names = [...template.matchAll(PLACEHOLDER)].map(([, parameter]) => parameter);
    if (names.some((parameter) => args[parameter] === undefined)) continue;
    const value = template.replace(PLACEHOLDER, (_match, parameter: string) => stringify(args[parameter]));
    if (/[\r\n\0]/.test(value)) throw new DownstreamError(`header ${name} would contain a line break`);
    headers.set(name, value);
  }
  return headers;
}

/** The JSON body: a string leaf that is exactly `{param}` takes the typed value; other strings are interpolated. */
export function renderBody(template: unknown, args: Args): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) return args[whole[1]];
    return template.replace(PLACEHOLDER, (_match, name: string) =>
      args[name] === undefined ? '' : stringify(args[name]),
    );
  }
  if (Array.isArray(template)) return template.map((item) => renderBody(item, args) ?? null);
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const rendered = renderBody(value, args);
      if (rendered !== undefined) out[key] = rendered;
    }
    return out;
  }
  return template;
}
