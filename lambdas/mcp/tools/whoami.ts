import * as z from 'zod';
import { defineTool, textResult } from './types';

/** Describes the caller as the server sees it; reports whether an Authorization header arrived, never its value. */
export const whoamiTool = defineTool({
  name: 'whoami',
  description:
    'Returns the server name, its auth mode, the API key id (null on public servers) and whether an Authorization header was received.',
  inputSchema: z.object({}),
  handler: (_args, ctx) =>
    textResult(
      JSON.stringify({
        server: ctx.server,
        authMode: ctx.authMode,
        keyId: ctx.keyId,
        authorizationReceived: ctx.authorizationReceived,
      }),
    ),
});
