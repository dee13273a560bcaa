import * as z from 'zod';
import { defineTool, textResult } from './types';

/** Returns its `text` argument unchanged. */
export const echoTool = defineTool({
  name: 'echo',
  description: 'Returns the given text unchanged.',
  inputSchema: z.object({ text: z.string().describe('Text to echo back.') }),
  handler: ({ text }) => textResult(text),
});
