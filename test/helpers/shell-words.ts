/**
 * Splits a one-line POSIX shell command into the words the shell would pass on, for the
 * subset a printed command may use: bare words, '…' (literal) and backslash escapes outside
 * quotes. Anything the shell would act on outside quotes (expansion, redirection, a command
 * separator, a glob or brace) throws, so an unquoted value fails the test instead of passing.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const char = command[i];
    if (char === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unterminated single quote at ${i}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (char === '\\') {
      if (i + 1 >= command.length) throw new Error('trailing backslash');
      word = (word ?? '') + command[++i];
    } else if (/[\s"$`;&|<>(){}*?[\]~#!]/.test(char)) {
      throw new Error(`unquoted ${JSON.stringify(char)} at ${i}`);
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
