/** The part of aws4 (which ships no types) that the signed DynamoDB client uses. */
declare module 'aws4' {
  export interface SignableRequest {
    host: string;
    path: string;
    method: string;
    service: string;
    region: string;
    headers: Record<string, string>;
    body: string;
  }
  export interface SigningCredentials {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  }
  /** Adds `Authorization`, `X-Amz-Date` (and `X-Amz-Security-Token`) to the request's headers; returns it. */
  export function sign(request: SignableRequest, credentials: SigningCredentials): SignableRequest;
}
