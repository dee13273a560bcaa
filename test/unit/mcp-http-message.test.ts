import fc from 'fast-check';
import { eventToRequest } from '../../lambdas/mcp/api-gateway';
import { HeaderMap, HttpResponse } from '../../lambdas/mcp/http-message';
import { restEvent } from '../helpers/events';

/** What a web `Headers` object keeps of these appends: the value per name, or the refusal. */
function viaHeaders(fields: readonly (readonly [string, string])[]): (string | null | 'refused')[] {
  const headers = new Headers();
  const outcomes = fields.map(([name, value]) => {
    try {
      headers.append(name, value);
      return null;
    } catch {
      return 'refused' as const;
    }
  });
  return fields.map(([name], index) => outcomes[index] ?? safeGet(headers, name));
}

function viaHeaderMap(fields: readonly (readonly [string, string])[]): (string | null | 'refused')[] {
  const headers = new HeaderMap();
  const outcomes = fields.map(([name, value]) => (headers.append(name, value) ? null : ('refused' as const)));
  return fields.map(([name], index) => outcomes[index] ?? headers.get(name));
}

function safeGet(headers: Headers, name: string): string | null {
  try {
    return headers.get(name);
  } catch {
    return null;
  }
}

const tricky = fc.constantFrom(
  ' ',
  '\t',
  '\r',
  '\n',
  '\0',
  '\u00e9',
  '\u00a0',
  '\v',
  '\f',
  '\u00ff',
  '\u0100',
  '\u20ac',
  '\u{1F600}',
  ',',
  ';',
  ':',
  '"',
  'a',
  'Z',
  '-',
  '_',
);
const text = fc.array(fc.oneof(tricky, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((parts) => parts.join(''));
const name = fc.oneof(fc.constantFrom('Accept', 'accept', 'X-Api-Key', 'Authorization'), text);

describe('HeaderMap keeps what a web Headers object keeps', () => {
  it.each([
    { name: 'Accept', value: '  application/json \t' },
    { name: 'X-Emoji', value: '\u{1F600}' },
    { name: 'Authorization', value: 'Bearer €' },
    { name: 'X-Latin-1', value: 'caf\u00e9' },
    { name: 'X-Line', value: 'a\r\nb' },
    { name: 'bad name', value: 'x' },
    { name: '', value: 'x' },
    { name: 'X-Empty', value: '' },
  ])('$name: $value', ({ name, value }) => {
    expect(viaHeaderMap([[name, value]])).toEqual(viaHeaders([[name, value]]));
  });

  it('for any names and values, joining repeated fields with ", "', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, text), { maxLength: 6 }), (fields) => {
        expect(viaHeaderMap(fields)).toEqual(viaHeaders(fields));
      }),
      { numRuns: 500 },
    );
  });
});

describe('HttpResponse', () => {
  it('reads like a web Response: status, headers by any case, text and JSON', async () => {
    const response = new HttpResponse(200, '{"a":1}', { 'Content-Type': 'application/json' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('{"a":1}');
    expect(await response.json()).toEqual({ a: 1 });
  });
});

describe('eventToRequest methods', () => {
  it.each([
    { sent: 'post', expected: 'POST' },
    { sent: 'Options', expected: 'OPTIONS' },
    { sent: 'patch', expected: 'patch' },
    { sent: 'TRACE', expected: 'TRACE' },
  ])('$sent → $expected, as a web Request names it', ({ sent, expected }) => {
    expect(eventToRequest(restEvent({ httpMethod: sent })).method).toBe(expected);
  });
});
