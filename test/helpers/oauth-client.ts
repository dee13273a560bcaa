import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** The client's redirect URI: never fetched, the browser stops when sent there. */
export const TEST_REDIRECT_URL = 'http://127.0.0.1:9/callback';

/**
 * An MCP client's OAuth state held in memory, as the official SDK's `auth()` (and its
 * transports) drive it. The browser step is the test's: `redirectToAuthorization` only records
 * the URL the person would be sent to.
 */
export class TestOAuthClient implements OAuthClientProvider {
  authorizationUrl?: URL;
  private client?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier?: string;

  constructor(private readonly metadata: Partial<OAuthClientMetadata> = {}) {}

  get redirectUrl(): string {
    return TEST_REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Test MCP client',
      redirect_uris: [TEST_REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadata,
    };
  }

  /** The client id the server registered; throws before registration. */
  get clientId(): string {
    if (!this.client) throw new Error('the client has not registered yet');
    return this.client.client_id;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(client: OAuthClientInformationMixed): void {
    this.client = client;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}

/** A page the browser stopped at. */
export interface ConsentPage {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly html: string;
  /** The Location header, when the page is a redirect the browser did not follow. */
  readonly location?: string;
}

/** A form as a person sees it. */
export interface ConsentForm {
  /** Absolute URL the form posts to. */
  readonly action: string;
  /** Hidden fields (the CSRF token), sent back as they are. */
  readonly fields: Readonly<Record<string, string>>;
  /** The name of the (password) field the key goes in. */
  readonly keyField: string;
  /** The submit buttons, in page order: the first is what Enter presses. */
  readonly buttons: readonly { readonly name: string; readonly value: string; readonly label: string }[];
  /** The text of the alert above the form, if any. */
  readonly message?: string;
}

/** Where a visit ended: a page of the server, or a redirect to somewhere else (the client's redirect URI). */
export interface Visit {
  readonly page: ConsentPage;
  readonly redirectedTo?: URL;
}

/**
 * A browser without JavaScript: keeps cookies, follows redirects within the origin of the first
 * URL it opens and stops at a redirect elsewhere (the client's redirect URI, never fetched).
 */
export class ConsentBrowser {
  private readonly jar = new Map<string, string>();
  private origin?: string;

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    this.origin ??= new URL(url).origin;
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      if (attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a))) this.jar.delete(name);
      else this.jar.set(name, pair.slice(at + 1));
    }
    return response;
  }

  /** Opens `url` and follows redirects within the origin. */
  async follow(url: string, init: RequestInit = {}): Promise<Visit> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) break;
      const next = new URL(location, current);
      await response.arrayBuffer();
      if (next.origin !== this.origin) {
        return {
          page: { url: current, status: response.status, headers: response.headers, html: '', location: next.href },
          redirectedTo: next,
        };
      }
      current = next.href;
      response = await this.request(current);
    }
    return {
      page: {
        url: current,
        status: response.status,
        headers: response.headers,
        html: await response.text(),
        location: response.headers.get('location') ?? undefined,
      },
    };
  }

  /** Fills the key in and presses a button (by its value; the first button by default), then follows. */
  submit(form: ConsentForm, apiKey: string, decision?: string): Promise<Visit> {
    const button = decision === undefined ? form.buttons[0] : form.buttons.find((b) => b.value === decision);
    const body = new URLSearchParams(form.fields);
    body.set(form.keyField, apiKey);
    if (button) body.set(button.name, button.value);
    return this.follow(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }
}

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decode(match[1]) : undefined;
}

/** The consent form of a page; throws when the page has none. */
export function parseConsentForm(page: ConsentPage): ConsentForm {
  const formTag = /<form\b[^>]*>/i.exec(page.html)?.[0];
  if (!formTag) throw new Error(`no form on the page (status ${page.status})`);
  const fields: Record<string, string> = {};
  let keyField: string | undefined;
  for (const [tag] of page.html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    const type = attribute(tag, 'type') ?? 'text';
    if (!name) continue;
    if (type === 'hidden') fields[name] = attribute(tag, 'value') ?? '';
    else if (type === 'password' || type === 'text') keyField ??= name;
  }
  if (!keyField) throw new Error('the form has no field for a key');
  const buttons = [...page.html.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map(([, attrs, label]) => ({
    name: attribute(attrs, 'name') ?? '',
    value: attribute(attrs, 'value') ?? '',
    label: decode(label.replace(/<[^>]+>/g, '').trim()),
  }));
  const alert = /role="alert"[^>]*>([\s\S]*?)<\/p>/i.exec(page.html)?.[1];
  return {
    action: new URL(attribute(formTag, 'action') ?? page.url, page.url).href,
    fields,
    keyField,
    buttons,
    message: alert === undefined ? undefined : decode(alert.replace(/<[^>]+>/g, '')),
  };
}
