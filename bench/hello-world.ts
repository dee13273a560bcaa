/** The smallest Lambda handler: the reference bundle for the cold-start proxies of part 4. */
export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 200, body: 'hello' };
}
