/**
 * The HTTP request and response shapes the protocol core works on. A web `Request` has every
 * member of `McpRequest`, and `HttpResponse` the members of a web `Response` the core's callers
 * read, so tests and tools may use either. The Lambda path builds these plain objects rather than
 * web ones: Node loads its whole fetch implementation (undici) on first use of `Request`,
 * `Response` or `Headers`, which a cold start answering a tool call without a downstream call
 * would otherwise pay for.
 */

/** Reads header values by case-insensitive name; null when absent. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** What the core reads of a request. */
export interface McpRequest {
  readonly method: string;
  /** The absolute URL the request was made to. */
  readonly url: string;
  readonly headers: HeaderReader;
  /** The body's bytes (empty when there is none). */
  arrayBuffer(): Promise<ArrayBuffer | Uint8Array>;
}

/** What the core's callers read of a response. */
export interface McpResponse {
  readonly status: number;
  readonly headers: HeaderReader & { forEach(callback: (value: string, name: string) => void): void };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** A header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Leading and trailing HTTP whitespace, which `Headers` strips from values. */
const OUTER_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** What a `Headers` object refuses in a value: NUL, CR, LF and anything outside Latin-1. */
const FORBIDDEN_IN_VALUE = /[\0\r\n\u0100-\uffff]/;

/**
 * Header fields by lower-cased name, with the rules of a web `Headers` object: names must be
 * tokens, values are trimmed of outer whitespace and may hold no NUL, CR, LF or character
 * outside Latin-1, and repeated fields are joined with ", ".
 */
export class HeaderMap implements HeaderReader {
  private readonly fields = new Map<string, string>();

  constructor(init: Readonly<Record<string, string>> = {}) {
    for (const [name, value] of Object.entries(init)) this.set(name, value);
  }

  /** The value `value` would be stored as under `name`, or undefined when a `Headers` object would refuse it. */
  static normalize(name: string, value: string): string | undefined {
    const normalized = value.replace(OUTER_WHITESPACE, '');
    return TOKEN.test(name) && !FORBIDDEN_IN_VALUE.test(normalized) ? normalized : undefined;
  }

  get(name: string): string | null {
    return this.fields.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  /** Adds a value; false (and nothing stored) when a `Headers` object would refuse it. */
  append(name: string, value: string): boolean {
    const normalized = HeaderMap.normalize(name, value);
    if (normalized === undefined) return false;
    const key = name.toLowerCase();
    const existing = this.fields.get(key);
    this.fields.set(key, existing === undefined ? normalized : `${existing}, ${normalized}`);
    return true;
  }

  /** Replaces the values; false (and nothing changed) when a `Headers` object would refuse it. */
  set(name: string, value: string): boolean {
    const normalized = HeaderMap.normalize(name, value);
    if (normalized === undefined) return false;
    this.fields.set(name.toLowerCase(), normalized);
    return true;
  }

  delete(name: string): void {
    this.fields.delete(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.fields) callback(value, name);
  }
}

/** A response whose body is text (MCP answers are JSON or empty). */
export class HttpResponse implements McpResponse {
  readonly headers: HeaderMap;

  constructor(
    readonly status: number,
    private readonly body: string = '',
    headers: HeaderMap | Readonly<Record<string, string>> = {},
  ) {
    this.headers = headers instanceof HeaderMap ? headers : new HeaderMap(headers);
  }

  async text(): Promise<string> {
    return this.body;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body);
  }
}
