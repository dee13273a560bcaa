import { Readable } from 'node:stream';
import { runNodeListener, type NodeRequestInit } from '../../lambdas/oauth/node-http';

const init = (overrides: Partial<NodeRequestInit> = {}): NodeRequestInit => ({
  method: 'POST',
  url: '/oauth/token?x=1',
  headers: { 'content-type': ['application/x-www-form-urlencoded'], cookie: ['a=1', 'b=2'], 'x-many': ['1', '2'] },
  body: Buffer.from('grant_type=refresh_token'),
  encrypted: true,
  remoteAddress: '203.0.113.9',
  ...overrides,
});

describe('runNodeListener', () => {
  it('hands the listener the request, body included, and collects the response', async () => {
    const response = await runNodeListener(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      res.statusCode = 201;
      res.setHeader('Set-Cookie', ['a=1; HttpOnly', 'b=2; HttpOnly']);
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          body,
          cookie: req.headers.cookie,
          many: req.headers['x-many'],
          secure: (req.socket as unknown as { encrypted: boolean }).encrypted,
          ip: req.socket.remoteAddress,
        }),
      );
    }, init());

    expect(response.statusCode).toBe(201);
    expect(response.headers['set-cookie']).toEqual(['a=1; HttpOnly', 'b=2; HttpOnly']);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString())).toEqual({
      method: 'POST',
      url: '/oauth/token?x=1',
      body: 'grant_type=refresh_token',
      cookie: 'a=1; b=2',
      many: '1, 2',
      secure: true,
      ip: '203.0.113.9',
    });
  });

  it('keeps the headers given to writeHead, and a body written in pieces', async () => {
    const response = await runNodeListener(
      (_req, res) => {
        res.writeHead(302, { Location: '/elsewhere' });
        res.write('a');
        res.write(Buffer.from('b'));
        res.end('c');
      },
      init({ method: 'GET', body: Buffer.alloc(0) }),
    );

    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/elsewhere');
    expect(response.body.toString()).toBe('abc');
  });

  it('waits for a body streamed after the listener returned', async () => {
    const response = await runNodeListener((_req, res) => {
      Readable.from(['one ', 'two']).pipe(res);
    }, init());

    expect(response.body.toString()).toBe('one two');
  });

  it('fails when the listener throws, or never ends the response', async () => {
    await expect(
      runNodeListener(() => {
        throw new Error('boom');
      }, init()),
    ).rejects.toThrow('boom');
    await expect(runNodeListener(() => undefined, init(), 10)).rejects.toThrow(/did not end the response/);
  });
});
