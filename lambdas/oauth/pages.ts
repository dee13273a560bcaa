import { createHash } from 'node:crypto';

/** An HTML page and the headers every page of the authorization server carries. */
export interface Page {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
h1{font-size:1.4rem}label{display:block;font-weight:600;margin-top:1rem}
input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;margin:.25rem 0}
.hint{color:#555;font-size:.9rem}.error{border-left:4px solid #b00020;padding:.5rem .75rem;background:#fdecee}
.buttons{display:flex;gap:.75rem;margin-top:1rem}button{font:inherit;padding:.5rem 1.25rem}`;

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/**
 * No script, no framing, nothing loaded. `form-action` is left out on purpose: browsers apply
 * it to the redirects after the form too, and the last one goes to the client's own redirect URI.
 */
const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; frame-ancestors 'none'`;

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
${main}
</main></body>
</html>
`;
}

export interface ConsentPageInput {
  /** Where the form posts to. */
  readonly action: string;
  readonly csrfToken: string;
  readonly clientName: string;
  /** The host (or scheme) the person is sent back to. */
  readonly redirectHost: string;
  readonly serverName: string;
  readonly serverDescription?: string;
  /** Shown above the form when the last attempt failed. */
  readonly message?: string;
}

/** The consent form: one API key field, Approve and Deny. Works without JavaScript. */
export function renderConsentPage(input: ConsentPageInput): Page {
  const client = escapeHtml(input.clientName);
  const server = escapeHtml(input.serverName);
  const description = input.serverDescription ? `<p class="hint">${escapeHtml(input.serverDescription)}</p>` : '';
  const message = input.message ? `<p class="error" role="alert">${escapeHtml(input.message)}</p>` : '';
  const body = layout(
    `Connect ${input.clientName} to ${input.serverName}`,
    `<h1>Connect ${client} to ${server}</h1>
<p><strong>${client}</strong> asks to use the MCP server <strong>${server}</strong>. If you approve, you are sent back to <strong>${escapeHtml(input.redirectHost)}</strong>.</p>
${description}${message}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<label for="api_key">API key for ${server}</label>
<input id="api_key" name="api_key" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required>
<p class="hint">The key issued to you for this server (it starts with mcpg_). ${client} never sees it: it gets its own tokens, which stop working when the key is revoked.</p>
<div class="buttons">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>`,
  );
  return { headers: PAGE_HEADERS, body };
}

/** A page for a request that cannot go back to the client (no valid redirect URI, an expired form). */
export function renderErrorPage(error: string, description?: string): Page {
  const body = layout(
    'Authorization failed',
    `<h1>Authorization failed</h1>
<p class="error" role="alert"><code>${escapeHtml(error)}</code>${description ? `: ${escapeHtml(description)}` : ''}</p>
<p>Go back to the app you came from and connect again.</p>`,
  );
  return { headers: PAGE_HEADERS, body };
}
