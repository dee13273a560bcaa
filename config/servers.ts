import type { ServerConfig } from './types';
import { resolveServers } from './validate';

/**
 * The one server configuration. The CDK stacks, the local stack, the authorizer and the
 * MCP handler all read it. Edit this list to add servers.
 */
const configured: readonly ServerConfig[] = [
  {
    name: 'demo-public',
    authMode: 'none',
    description: 'Public demo server: anyone with the URL can call it.',
    tools: ['echo', 'whoami'],
  },
  {
    name: 'demo-apikey',
    authMode: 'apiKey',
    description: 'Demo server guarded by an x-api-key issued for it.',
    tools: ['echo', 'whoami'],
  },
  {
    name: 'demo-passthrough',
    authMode: 'bearerPassthrough',
    description: 'Demo server: x-api-key checked, Authorization forwarded to the downstream API.',
    passthroughOrigins: [{ env: 'DOWNSTREAM_URL' }],
    tools: [
      'echo',
      'whoami',
      {
        kind: 'http',
        name: 'call_downstream',
        description: "GET the demo downstream API with the caller's Authorization header; returns its response body.",
        method: 'GET',
        baseUrl: { env: 'DOWNSTREAM_URL' },
        path: '',
      },
    ],
  },
  {
    name: 'demo-oauth',
    authMode: 'oauth',
    description: 'Demo server for OAuth clients (claude.ai, ChatGPT): connect, then enter an API key of this server.',
    tools: ['echo', 'whoami'],
  },
  {
    name: 'demo-openapi',
    authMode: 'apiKey',
    description:
      "Demo server whose tools are compiled from the demo API's OpenAPI document; they authenticate with secrets.",
    tools: [
      {
        kind: 'openapi',
        document: 'config/openapi/pets.yaml',
        baseUrl: { env: 'DOWNSTREAM_URL' },
        include: ['tag:pets'],
        auth: {
          type: 'apiKey',
          in: 'header',
          name: 'x-pets-key',
          value: { secretsManager: 'mcp-gate/demo/pets-api-key' },
        },
      },
      {
        kind: 'http',
        name: 'petsReport',
        description: "GET the demo API's pets report (counts by tag); authenticates with OAuth 2.0 client credentials.",
        method: 'GET',
        baseUrl: { env: 'DOWNSTREAM_URL' },
        path: '/reports/pets',
        auth: {
          type: 'oauth2ClientCredentials',
          tokenUrl: { env: 'DOWNSTREAM_TOKEN_URL' },
          clientId: 'mcp-gate-demo',
          clientSecret: { secretsManager: 'mcp-gate/demo/oauth-client-secret' },
          scopes: ['reports:read'],
        },
      },
    ],
  },
];

export const servers = resolveServers(configured);

/** The configured server called `name`, or undefined. */
export function findServer(name: string): (typeof servers)[number] | undefined {
  return servers.find((server) => server.name === name);
}
