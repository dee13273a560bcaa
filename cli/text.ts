import { UNSAFE_TEXT } from '../lambdas/keys/key-format';

const UNSAFE = new RegExp(UNSAFE_TEXT.source, 'gu');
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  const code = char.codePointAt(0)!;
  return NAMED[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
}

/**
 * Text from a key record or from the command line made safe to print: control characters,
 * bidirectional overrides and line separators become visible escapes (`\x1b`, `\n`, `\u{202e}`),
 * so stored text can neither paint the terminal nor fake a row.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * JSON that decodes to exactly `value` but whose text holds no character a terminal would act
 * on: JSON.stringify already escapes C0 controls; DEL, C1 controls, bidi controls and line
 * separators are escaped here too.
 */
export function safeJson(value: unknown, indent?: number): string {
  // Raw C0 characters in JSON text are its own indentation: string contents have them escaped already.
  return JSON.stringify(value, null, indent).replace(UNSAFE, (char) =>
    char < ' ' ? char : `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

const API_KEY = /mcpg_[A-Za-z0-9_-]{32}/g;
const DIGEST = /\b[0-9a-f]{64}\b/gi;

/** One line of an error for a person: escaped, without any key or digest, and not endless. */
export function errorLine(message: string): string {
  const line = printable(message.replace(API_KEY, 'mcpg_…').replace(DIGEST, '<digest>'));
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
