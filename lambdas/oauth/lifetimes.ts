/** Lifetimes of what the authorization server issues and stores, in seconds. */
export const OAUTH_TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  RefreshToken: 30 * 24 * 3600,
  /** A connection lasts this long at most; then the person enters the key again. */
  Grant: 30 * 24 * 3600,
  Interaction: 600,
  Session: 600,
  /**
   * A registered client is forgotten this long after registering (registration is open, so
   * the table must not grow forever); its next token request gets `invalid_client`, and MCP
   * clients then register again.
   */
  Client: 90 * 24 * 3600,
} as const;
