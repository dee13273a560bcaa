/** The part of aws4 (which ships no types) that the signed AWS calls use. */
declare module 'aws4' {
  export interface SignableRequest {
    host: string;
    path: string;
    method: string;
    service: string;
    region: string;
    headers: Record<string, string>;
    body?: string;
    /** Lower-case header names left out of the signature. */
    extraHeadersToIgnore?: Record<string, boolean>;
  }
  export interface SigningCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  }
  /**
   * Adds `Authorization`, `X-Amz-Date` (unless set; the signing time is then read from it),
   * `X-Amz-Security-Token`, and with a body `Content-Type` (unless set) and `Content-Length`
   * to the request's headers; returns it.
   */
  export function sign(request: SignableRequest, credentials: SigningCredentials): SignableRequest;
}
