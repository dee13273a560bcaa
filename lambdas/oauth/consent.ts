import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { OAUTH_SCOPE } from '../../config/oauth';
import type { ResolvedServer } from '../../config/types';
import { digestApiKey, isExpired, isWellFormedApiKey } from '../keys/key-format';
import type { KeyRecord, KeyStore } from '../keys/key-store';
import { KeyStoreUnavailableError } from '../shared/errors';
import { describeError, type Logger } from '../shared/logger';
import { renderConsentPage, renderErrorPage, type Page } from './pages';
import { interactionPath } from './provider';
import { oauthServerForResource } from './resources';

export interface ConsentOptions {
  readonly provider: Provider;
  readonly issuer: string;
  readonly servers: readonly ResolvedServer[];
  readonly keyStore: KeyStore;
  readonly cookieKeys: readonly string[];
  readonly logger: Logger;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

/** One consent request: the interaction's uid from the path, and the form when posted. */
export interface ConsentRequest {
  readonly uid: string;
  readonly method: string;
  readonly form?: URLSearchParams;
  readonly requestId?: string;
}

export type ConsentListener = (req: IncomingMessage, res: ServerResponse, request: ConsentRequest) => Promise<void>;

/**
 * The consent page of an authorization request: GET shows the form, POST checks the CSRF token
 * and the API key. A key that is unknown, revoked, expired or of another server gets the form
 * again with a message (and no code); Approve with a good key finishes the interaction with
 * that key as the account and a grant for exactly the requested server; Deny sends
 * `access_denied` to the client's (already validated) redirect URI.
 */
export function createConsentListener(options: ConsentOptions): ConsentListener {
  const { provider, issuer, servers, keyStore, logger, clock } = options;

  const csrfToken = (uid: string, key = options.cookieKeys[0]): string =>
    createHmac('sha256', key).update(`oauth-consent:${uid}`).digest('base64url');
  const csrfMatches = (uid: string, presented: string | null): boolean => {
    if (!presented) return false;
    const actual = Buffer.from(presented);
    return options.cookieKeys.some((key) => {
      const expected = Buffer.from(csrfToken(uid, key));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    });
  };

  return async (req, res, request) => {
    const send = (page: Page, status: number) => {
      res.statusCode = status;
      for (const [name, value] of Object.entries(page.headers)) res.setHeader(name, value);
      res.end(page.body);
    };
    const fail = (status: number, error: string, description: string) =>
      send(renderErrorPage(error, description), status);

    if (request.method !== 'GET' && request.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      return fail(405, 'method_not_allowed', 'this page takes GET and POST only');
    }
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof Error && error.name === 'SessionNotFound') {
        return fail(400, 'invalid_request', 'this authorization request has expired or belongs to another browser');
      }
      throw error;
    }
    if (details.uid !== request.uid) {
      return fail(400, 'invalid_request', 'this page does not belong to the current authorization request');
    }
    const { params } = details;
    const clientId = typeof params.client_id === 'string' ? params.client_id : '';
    const resource = typeof params.resource === 'string' ? params.resource : '';
    const server = oauthServerForResource(servers, issuer, resource);
    const client = await provider.Client.find(clientId);
    if (!client || !server) {
      return fail(400, 'invalid_request', 'the authorization request names no known client or no single OAuth server');
    }
    const form = (message?: string) =>
      renderConsentPage({
        action: `${issuer}${interactionPath(details.uid)}`,
        csrfToken: csrfToken(details.uid),
        clientName: client.clientName || client.clientId,
        redirectHost: redirectHostOf(params.redirect_uri),
        serverName: server.name,
        serverDescription: server.description,
        message,
      });
    const fields = { requestId: request.requestId, clientId, server: server.name };

    if (request.method === 'GET') return send(form(), 200);

    const posted = request.form ?? new URLSearchParams();
    if (!csrfMatches(details.uid, posted.get('csrf'))) {
      logger.warn('oauth consent refused', { ...fields, reason: 'csrf' });
      return fail(403, 'invalid_request', 'the form was not sent from this page; start again from your app');
    }
    const decision = posted.get('decision');
    if (decision === 'deny') {
      logger.info('oauth consent denied', fields);
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the person declined the request' },
        { mergeWithLastSubmission: false },
      );
    }
    if (decision !== 'approve') return send(form('Choose Approve or Deny.'), 400);

    const apiKey = (posted.get('api_key') ?? '').trim();
    let record: KeyRecord | undefined;
    try {
      record = isWellFormedApiKey(apiKey) ? await keyStore.getByDigest(digestApiKey(apiKey)) : undefined;
    } catch (error) {
      if (!(error instanceof KeyStoreUnavailableError)) throw error;
      logger.error('oauth consent failed', { ...fields, reason: 'key store unavailable', ...describeError(error) });
      return send(form('Keys cannot be checked right now. Try again in a minute.'), 503);
    }
    const refusal = keyRefusal(record, server.name, apiKey, Math.floor(clock() / 1000));
    if (refusal || !record) {
      logger.warn('oauth consent refused', { ...fields, reason: refusal?.reason, keyId: record?.keyId });
      return send(form(refusal?.message), 400);
    }

    const grant = new provider.Grant({ accountId: record.keyId, clientId });
    // `mcp` is one of the provider's scopes, so it is granted as one as well as for the resource.
    grant.addOIDCScope(OAUTH_SCOPE);
    grant.addResourceScope(resource, OAUTH_SCOPE);
    const grantId = await grant.save();
    logger.info('oauth consent approved', { ...fields, keyId: record.keyId });
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: record.keyId, remember: false }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  };
}

/** Why a key does not open `server` (with what to tell the person), or undefined when it does. */
function keyRefusal(
  record: KeyRecord | undefined,
  server: string,
  apiKey: string,
  nowSeconds: number,
): { reason: string; message: string } | undefined {
  if (apiKey === '') return { reason: 'no key', message: `Enter the API key for ${server}.` };
  if (!record) {
    return {
      reason: 'unknown key',
      message: `That is not an API key for ${server}. Check that you copied the whole key; it starts with mcpg_.`,
    };
  }
  if (record.status !== 'active') {
    return { reason: 'revoked key', message: `That key has been revoked. Use an active key for ${server}.` };
  }
  if (isExpired(record, nowSeconds)) {
    return { reason: 'expired key', message: `That key has expired. Use an active key for ${server}.` };
  }
  if (record.server !== server) {
    return {
      reason: 'key of another server',
      message: `That key is for another server, not ${server}. Enter a key issued for ${server}.`,
    };
  }
  return undefined;
}

function redirectHostOf(redirectUri: unknown): string {
  try {
    const url = new URL(String(redirectUri));
    return url.host || url.protocol;
  } catch {
    return 'the app';
  }
}
