/**
 * The part of oidc-provider 9 (which ships no types) that the authorization server uses.
 * Configuration objects stay loosely typed: the library validates them itself at construction.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown>;

  /** What the library calls to store its models; one instance per model name. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type AdapterConstructor = new (model: string) => Adapter;

  export interface ClientInstance {
    readonly clientId: string;
    readonly clientName?: string;
    readonly clientSecret?: string;
    readonly redirectUris: readonly string[];
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface OidcContextState {
    readonly route: string;
    readonly client?: ClientInstance;
    readonly params?: Record<string, unknown>;
  }

  /** The Koa context the library hands to configuration callbacks and middleware. */
  export interface KoaContextWithOIDC {
    readonly oidc: OidcContextState;
    readonly method: string;
    readonly path: string;
    query: Record<string, string | string[] | undefined>;
    type: string;
    body: unknown;
    status: number;
    set(field: string, value: string): void;
  }

  export interface ErrorOut {
    readonly error: string;
    readonly error_description?: string;
  }

  export interface Account {
    readonly accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }

  export interface InteractionDetails {
    readonly uid: string;
    readonly params: Record<string, unknown>;
    readonly prompt: { readonly name: string };
  }

  export interface InteractionResults {
    readonly login?: { readonly accountId: string; readonly remember?: boolean };
    readonly consent?: { readonly grantId?: string };
    readonly error?: string;
    readonly error_description?: string;
  }

  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface GrantConstructor {
    new (properties: { accountId: string; clientId: string }): GrantInstance;
    find(grantId: string): Promise<GrantInstance | undefined>;
  }

  export interface ClientConstructor {
    find(clientId: string): Promise<ClientInstance | undefined>;
    readonly prototype: { compareClientSecret(actual: string): boolean | Promise<boolean> };
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export type Configuration = Record<string, unknown>;

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    readonly Grant: GrantConstructor;
    readonly Client: ClientConstructor;
    /** Koa's: throw no error to the console. */
    silent: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export class OIDCProviderError extends Error {
    readonly error: string;
    readonly error_description?: string;
    readonly statusCode: number;
  }

  type ErrorClass = new (description?: string, options?: { cause?: unknown }) => OIDCProviderError;

  export const errors: {
    readonly OIDCProviderError: typeof OIDCProviderError;
    readonly InvalidGrant: new (options?: { cause?: unknown }) => OIDCProviderError;
    readonly InvalidTarget: ErrorClass;
    readonly AccessDenied: ErrorClass;
    readonly SessionNotFound: ErrorClass;
  };
}
