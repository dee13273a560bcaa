import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { OAUTH_PATHS, OAUTH_SCOPE, resourceUri } from '../../config/oauth';
import { createLogger } from '../../lambdas/shared/logger';
import { close, listen } from '../../local/listen';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../helpers/local-stack';

/**
 * The consent page as a person meets it: a real browser follows the authorization server's
 * redirects, reads the page by its labels and roles, submits the form without any script of
 * ours, and lands on the client's redirect URI, which a loopback server records.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CLIENT_NAME = 'Consent Page Browser Client';
const SERVER = 'demo-oauth';
const MCP_ACCEPT = 'application/json, text/event-stream';

interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly registration_endpoint: string;
}

interface Authorization {
  readonly url: string;
  readonly state: string;
  readonly verifier: string;
}

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
let callback: Server;
let redirectUri: string;
let metadata: AuthorizationServerMetadata;
let resource: string;
let clientId: string;
let apiKey: string;
let keyId: string;
let otherServerKey: string;
/** The query of every request the client's redirect URI received, in order. */
const received: URLSearchParams[] = [];
/** Content-Security-Policy violations the browser reported: a policy that blocks the page's own style shows here. */
const cspViolations: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ logger: createLogger('local-gateway', { sink: () => {} }) });
  const issued = await stack.keys.create({ server: SERVER, label: 'browser consent' });
  apiKey = issued.apiKey;
  keyId = issued.record.keyId;
  otherServerKey = (await stack.keys.create({ server: 'demo-apikey', label: 'browser consent' })).apiKey;

  callback = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The browser also asks for /favicon.ico: only the redirect URI's path counts.
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    received.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Connected</title><p>You can close this window.</p>');
  });
  redirectUri = `http://127.0.0.1:${await listen(callback, 0, 'PORT')}/callback`;

  const server = stack.servers.find((candidate) => candidate.name === SERVER);
  if (!server) throw new Error(`${SERVER} is not configured`);
  resource = resourceUri(stack.baseUrl, server.routes[0]);

  const discovery = await fetch(`${stack.baseUrl}${OAUTH_PATHS.authorizationServerMetadata}`);
  expect(discovery.status).toBe(200);
  metadata = (await discovery.json()) as AuthorizationServerMetadata;

  const registration = await fetch(metadata.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: CLIENT_NAME,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: OAUTH_SCOPE,
    }),
  });
  expect(registration.status).toBe(201);
  clientId = ((await registration.json()) as { client_id: string }).client_id;
  expect(typeof clientId).toBe('string');

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  if (callback?.listening) await close(callback);
  await stack?.close();
});

// Each test starts with no cookies: a person arriving from the client for the first time.
beforeEach(async () => {
  context = await browser.newContext();
  context.on('console', (message) => {
    if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
  });
  received.length = 0;
  cspViolations.length = 0;
});

afterEach(async () => {
  await context.close();
});

function authorization(): Authorization {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: OAUTH_SCOPE,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource,
  }).toString();
  return { url: url.toString(), state, verifier };
}

/** Opens the authorization URL and follows the server to its consent page; returns the page's HTTP response headers. */
async function openConsent(page: Page, url: string): Promise<Record<string, string>> {
  const response = await page.goto(url);
  expect(response).not.toBeNull();
  expect(response?.status()).toBe(200);
  expect(new URL(page.url()).origin).toBe(stack.baseUrl);
  return response?.headers() ?? {};
}

function keyField(page: Page) {
  return page.getByLabel(/api key/i);
}

/** Submits the form with `button` and waits until the browser is on the client's redirect URI. */
async function submitToRedirect(page: Page, button: RegExp): Promise<URLSearchParams> {
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(`${redirectUri}?`)),
    page.getByRole('button', { name: button }).click(),
  ]);
  return new URL(page.url()).searchParams;
}

async function exchange(code: string, verifier: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: clientId,
      resource,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function whoami(accessToken: string): Promise<{ status: number; identity?: Record<string, unknown> }> {
  const response = await fetch(resource, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
  });
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { result?: { content?: { type: string; text: string }[] } };
  const text = body.result?.content?.[0]?.text;
  return { status: response.status, identity: text === undefined ? undefined : JSON.parse(text) };
}

describe('the consent page in a real browser', () => {
  it('shows the client and its redirect host, takes the key by its label, and sends a code that opens the server', async () => {
    // Arrange
    const page = await context.newPage();
    const { url, state, verifier } = authorization();
    const headers = await openConsent(page, url);

    // Assess the page before anyone types
    expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    await expect(page.getByText(CLIENT_NAME).first().isVisible()).resolves.toBe(true);
    await expect(page.getByText(new URL(redirectUri).host).first().isVisible()).resolves.toBe(true);
    await expect(keyField(page).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: /deny/i }).isVisible()).resolves.toBe(true);
    if (process.env.CONSENT_SCREENSHOT) await page.screenshot({ path: process.env.CONSENT_SCREENSHOT, fullPage: true });

    // Act
    await keyField(page).fill(apiKey);
    const params = await submitToRedirect(page, /approve/i);

    // Assess: the redirect URI got the code and our state, once
    expect(params.get('state')).toBe(state);
    expect(params.get('error')).toBeNull();
    const code = params.get('code');
    expect(code).toEqual(expect.any(String));
    expect(received.map((query) => query.get('code'))).toEqual([code]);

    const token = await exchange(code as string, verifier);
    expect(token.status).toBe(200);
    expect(String(token.body.token_type).toLowerCase()).toBe('bearer');
    expect(token.body.access_token).toEqual(expect.any(String));
    expect(token.body.access_token).not.toBe(apiKey);

    const answer = await whoami(token.body.access_token as string);
    expect(answer.status).toBe(200);
    expect(answer.identity).toMatchObject({ server: SERVER, keyId });
    expect(cspViolations).toEqual([]);
  });

  it.each([
    ['a key that does not exist', () => `mcpg_${randomBytes(24).toString('base64url')}`],
    ['a key of another server', () => otherServerKey],
  ])('%s gets the form again with an error and no redirect; the right key then still works', async (_case, key) => {
    // Arrange
    const page = await context.newPage();
    const { url, state } = authorization();
    await openConsent(page, url);

    // Act
    await keyField(page).fill(key());
    await page.getByRole('button', { name: /approve/i }).click();
    await page.waitForLoadState('load');

    // Assess: still on the authorization server, the form shown again with a message, nothing sent to the client
    expect(new URL(page.url()).origin).toBe(stack.baseUrl);
    const alert = page.getByRole('alert');
    await expect(alert.isVisible()).resolves.toBe(true);
    await expect(alert.innerText()).resolves.toMatch(/key/i);
    await expect(keyField(page).isVisible()).resolves.toBe(true);
    await expect(keyField(page).inputValue()).resolves.toBe('');
    await expect(page.getByText(CLIENT_NAME).first().isVisible()).resolves.toBe(true);
    expect(received).toEqual([]);
    expect(cspViolations).toEqual([]);
    if (process.env.CONSENT_SCREENSHOT) {
      await page.screenshot({
        path: process.env.CONSENT_SCREENSHOT.replace(/(\.png)?$/, '-refused.png'),
        fullPage: true,
      });
    }

    // The form shown again is a working form (its CSRF token included)
    await keyField(page).fill(apiKey);
    const params = await submitToRedirect(page, /approve/i);
    expect(params.get('state')).toBe(state);
    expect(params.get('code')).toEqual(expect.any(String));
  });

  it('Deny sends the person back to the client with access_denied and no code', async () => {
    // Arrange
    const page = await context.newPage();
    const { url, state } = authorization();
    await openConsent(page, url);

    // Act
    const params = await submitToRedirect(page, /deny/i);

    // Assess
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(state);
    expect(params.get('code')).toBeNull();
    expect(received.map((query) => query.get('error'))).toEqual(['access_denied']);
  });
});
