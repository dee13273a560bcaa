import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { servers as configured } from '../../config/servers';
import { createLogger } from '../../lambdas/shared/logger';
import { observeLines } from '../../lambdas/shared/log-output';
import { API_TYPES, type ApiType } from '../../lib/api-type';
import type { LocalStack } from '../../local/stack';
import { DEMO_SECRETS } from '../../local/secrets';
import { startTestStack } from '../helpers/local-stack';
import { connectClient, textOf } from '../helpers/mcp-client';
import { serverUrl } from '../../config/client-config';

const SERVER = 'demo-openapi';
const PETS_KEY = 'e2e-pets-key-7d1f0c9a5b';
const CLIENT_SECRET = 'e2e-client-secret-3e8a2f6d41';

const work = mkdtempSync(join(tmpdir(), 'mcp-gate-openapi-'));
const secretsFile = join(work, 'secrets.json');
writeFileSync(
  secretsFile,
  JSON.stringify({ [DEMO_SECRETS.petsApiKey]: PETS_KEY, [DEMO_SECRETS.clientSecret]: CLIENT_SECRET }),
);
const logLines: string[] = [];
const stacks: LocalStack[] = [];
const clients: Client[] = [];

async function start(downstream = {}, apiType: ApiType = 'rest'): Promise<LocalStack> {
  const stack = await startTestStack({
    apiType,
    secretsFile,
    downstream,
    logger: createLogger('local-gateway', { sink: (line) => logLines.push(line) }),
  });
  stacks.push(stack);
  return stack;
}

async function connect(stack: LocalStack): Promise<Client> {
  const { apiKey } = await stack.keys.create({ server: SERVER });
  const client = await connectClient(serverUrl(stack.baseUrl, SERVER), { 'x-api-key': apiKey });
  clients.push(client);
  return client;
}

// The handlers' log lines, EMF records and audit lines (standard output on Lambda): every one is kept here.
let stopObserving: () => void;
beforeAll(() => {
  stopObserving = observeLines((line) => logLines.push(line));
});

afterAll(async () => {
  stopObserving();
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(stacks.map((stack) => stack.close()));
  rmSync(work, { recursive: true, force: true });
});

describe.each(API_TYPES)(
  'tools compiled from an OpenAPI document, through the local stack (API_TYPE=%s)',
  (apiType) => {
    let client: Client;
    const seen: string[] = [];
    beforeAll(async () => {
      // The handlers read the downstream's URL from the environment: point it at this stack's.
      delete process.env.DOWNSTREAM_URL;
      delete process.env.DOWNSTREAM_TOKEN_URL;
      client = await connect(await start({}, apiType));
    });

    it('lists the compiled tools under their operationIds, with their input schemas', async () => {
      const { tools } = await client.listTools();
      seen.push(JSON.stringify(tools));

      expect(tools.map((tool) => tool.name).sort()).toEqual(['createPet', 'getPet', 'listPets', 'petsReport']);
      const createPet = tools.find((tool) => tool.name === 'createPet');
      expect(createPet?.inputSchema).toMatchObject({
        type: 'object',
        properties: { name: { type: 'string' }, tag: { type: 'string' } },
        required: ['name'],
      });
      const listPets = tools.find((tool) => tool.name === 'listPets');
      expect(listPets?.inputSchema.properties).toMatchObject({ limit: { type: 'integer' } });
      expect(listPets?.inputSchema.required ?? []).toEqual([]);
    });

    it('creates a pet, gets it and lists it, sending the API key held as a secret', async () => {
      const created = await client.callTool({ name: 'createPet', arguments: { name: 'Rex', tag: 'dog' } });
      seen.push(JSON.stringify(created));
      expect(created.isError).toBeFalsy();
      const pet = JSON.parse(textOf(created)) as { id: number; name: string; tag: string };
      expect(pet).toMatchObject({ name: 'Rex', tag: 'dog' });

      const got = await client.callTool({ name: 'getPet', arguments: { petId: pet.id } });
      seen.push(JSON.stringify(got));
      expect(JSON.parse(textOf(got))).toEqual(pet);

      const listed = await client.callTool({ name: 'listPets', arguments: { limit: 10 } });
      seen.push(JSON.stringify(listed));
      expect(JSON.parse(textOf(listed))).toContainEqual(pet);
    });

    it('turns a downstream 404 into a tool error with the status', async () => {
      const result = await client.callTool({ name: 'getPet', arguments: { petId: 999_999 } });
      seen.push(JSON.stringify(result));

      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/downstream responded 404/);
    });

    it('refuses arguments the schema rejects before calling the API', async () => {
      const result = await client.callTool({ name: 'createPet', arguments: { tag: 'no name' } });

      expect(result.isError).toBe(true);
    });

    it('calls the client-credentials tool with a token from the token endpoint', async () => {
      const first = await client.callTool({ name: 'petsReport', arguments: {} });
      const second = await client.callTool({ name: 'petsReport', arguments: {} });
      seen.push(JSON.stringify(first), JSON.stringify(second));

      expect(first.isError).toBeFalsy();
      expect(JSON.parse(textOf(second))).toMatchObject({ pets: expect.any(Number) });
    });

    it('never shows a secret in tools/list, tool results or log lines', () => {
      const everything = [...seen, ...logLines].join('\n');

      expect(everything).not.toContain(PETS_KEY);
      expect(everything).not.toContain(CLIENT_SECRET);
      expect(logLines.length).toBeGreaterThan(0);
    });
  },
);

describe('wrong downstream credentials', () => {
  it('become tool errors naming the status, not HTTP errors of the MCP endpoint', async () => {
    // The handlers read the downstream's URL from the environment: point it at this stack's.
    delete process.env.DOWNSTREAM_URL;
    delete process.env.DOWNSTREAM_TOKEN_URL;
    const client = await connect(await start({ petsApiKey: 'another-key', clientSecret: 'another-secret' }));

    const pets = await client.callTool({ name: 'listPets', arguments: {} });
    const report = await client.callTool({ name: 'petsReport', arguments: {} });

    expect(pets.isError).toBe(true);
    expect(textOf(pets)).toMatch(/downstream responded 401/);
    expect(report.isError).toBe(true);
    expect(textOf(report)).toMatch(/could not authenticate to the API: token endpoint answered 401 \(invalid_client\)/);
    expect(`${textOf(pets)}${textOf(report)}${logLines.join('\n')}`).not.toContain(PETS_KEY);
  });
});

describe('missing secrets', () => {
  it('stop the local stack at start, naming the secret', async () => {
    const server = configured.find((candidate) => candidate.name === SERVER);
    const missing = {
      ...server!,
      name: 'missing-secret',
      tools: [
        {
          kind: 'http' as const,
          name: 'needsSecret',
          description: 'needs a secret nobody set',
          baseUrl: 'http://127.0.0.1:9',
          auth: { type: 'bearer' as const, token: { ssm: '/nowhere/token' } },
        },
      ],
    };

    await expect(
      startTestStack({
        secretsFile,
        servers: [{ ...missing, routes: ['/missing-secret/mcp'], allowedOrigins: [], passthroughOrigins: [] }],
      }),
    ).rejects.toThrow(/secrets not found: ssm:\/nowhere\/token \(server missing-secret\)/);
  });
});
