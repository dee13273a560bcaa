import { App } from 'aws-cdk-lib';
import { servers } from '../../config/servers';
import { ConfigError } from '../../lambdas/shared/errors';
import { existingApisFromContext } from '../../lib/existing-apis-stack';
import {
  authCacheTtlFromContext,
  booleanFromContext,
  CONTEXT_KEYS,
  pascalCase,
  serverEnvironmentFromContext,
} from '../../lib/settings';

const nodeWith = (context: Record<string, unknown>) => new App({ context }).node;

describe('authCacheTtlFromContext', () => {
  it.each([
    [{}, 60],
    [{ [CONTEXT_KEYS.authCacheTtlSeconds]: 300 }, 300],
    [{ [CONTEXT_KEYS.authCacheTtlSeconds]: '0' }, 0],
    [{ [CONTEXT_KEYS.authCacheTtlSeconds]: '3600' }, 3600],
  ])('reads %j as %d seconds', (context, seconds) => {
    expect(authCacheTtlFromContext(nodeWith(context)).toSeconds()).toBe(seconds);
  });

  it.each([-1, 3601, 1.5, 'abc', '60s'])('rejects %j, naming the context key', (value) => {
    expect(() => authCacheTtlFromContext(nodeWith({ [CONTEXT_KEYS.authCacheTtlSeconds]: value }))).toThrow(
      new RegExp(CONTEXT_KEYS.authCacheTtlSeconds),
    );
  });
});

describe('serverEnvironmentFromContext', () => {
  it('passes on only the variables the configuration reads, -c values before the map', () => {
    const node = nodeWith({
      DOWNSTREAM_URL: 'https://cli.example.com',
      UNRELATED: 'x',
      [CONTEXT_KEYS.serverEnv]: { DOWNSTREAM_URL: 'https://map.example.com', OTHER: 'y' },
    });
    expect(serverEnvironmentFromContext(node, servers)).toEqual({ DOWNSTREAM_URL: 'https://cli.example.com' });
  });

  it('takes the map when there is no -c value, and omits unset variables', () => {
    expect(
      serverEnvironmentFromContext(
        nodeWith({ [CONTEXT_KEYS.serverEnv]: { DOWNSTREAM_URL: 'https://map.example.com' } }),
        servers,
      ),
    ).toEqual({ DOWNSTREAM_URL: 'https://map.example.com' });
    expect(serverEnvironmentFromContext(nodeWith({}), servers)).toEqual({});
  });

  it('rejects a map that is not an object', () => {
    expect(() => serverEnvironmentFromContext(nodeWith({ [CONTEXT_KEYS.serverEnv]: 'x' }), servers)).toThrow(
      ConfigError,
    );
  });
});

describe('booleanFromContext', () => {
  it.each([
    [undefined, true],
    [false, false],
    ['false', false],
    ['true', true],
  ])('reads %j', (value, expected) => {
    expect(booleanFromContext(nodeWith(value === undefined ? {} : { k: value }), 'k', true)).toBe(expected);
  });

  it('rejects anything else', () => {
    expect(() => booleanFromContext(nodeWith({ k: 'yes' }), 'k', true)).toThrow(/context k/);
  });
});

describe('existingApisFromContext', () => {
  it('is undefined without an existing API id', () => {
    expect(existingApisFromContext(nodeWith({}))).toBeUndefined();
  });

  it('needs the root resource id with a REST API id', () => {
    expect(() => existingApisFromContext(nodeWith({ [CONTEXT_KEYS.existingRestApiId]: 'abc123' }))).toThrow(
      new RegExp(CONTEXT_KEYS.existingRestApiRootResourceId),
    );
  });

  it('reads both APIs', () => {
    expect(
      existingApisFromContext(
        nodeWith({
          [CONTEXT_KEYS.existingRestApiId]: 'abc123',
          [CONTEXT_KEYS.existingRestApiRootResourceId]: 'root12',
          [CONTEXT_KEYS.existingHttpApiId]: 'http12',
        }),
      ),
    ).toEqual({
      restApi: { restApiId: 'abc123', rootResourceId: 'root12', stageName: undefined },
      httpApiId: 'http12',
    });
  });
});

describe('pascalCase', () => {
  it.each([
    ['demo-public', 'DemoPublic'],
    ['a1-b2', 'A1B2'],
    ['unauthorized', 'Unauthorized'],
  ])('%s → %s', (name, expected) => {
    expect(pascalCase(name)).toBe(expected);
  });
});
