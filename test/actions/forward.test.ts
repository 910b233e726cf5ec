import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { forwardAction } from '../../src/actions/forward.js';
import { isHookrouteError } from '../../src/errors.js';
import { compileAction, makeAttempt, makeEvent, runOnce } from '../helpers/action-context.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

const ok: Handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
const user = { id: 123, nome: 'João Silva', email: 'joao@example.com', tags: ['a', 'b'] };

/** A real HTTP server on 127.0.0.1, recording what it receives; closed when the test ends. */
async function startServer(t: TestContext, handler: Handler = ok): Promise<{ base: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

test('a body template keeps JSON types and leaves out undefined keys; headers are set', async (t) => {
  const { base, received } = await startServer(t);
  const raw = {
    forward: `${base}/hooks/users`,
    headers: { Authorization: 'Bearer {{ $uppercase(email) }}' },
    body: { id: '{{ id }}', user: '{{ $ }}', tags: '{{ tags }}', greeting: 'Olá {{ nome }}', missing: '{{ nada }}', fixed: 7 },
  };
  const result = await runOnce(forwardAction, raw, { dir: '/', data: user, attempt: { deliveryId: 'abc-1' } });
  assert.equal(result.outcome, 'ok', result.error);
  assert.equal(result.status, 200);
  assert.equal(result.output, 'thanks');
  const [request] = received;
  assert.ok(request);
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/hooks/users');
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.headers['user-agent'], 'hookroute');
  assert.equal(request.headers['x-hookroute-delivery'], 'abc-1');
  assert.equal(request.headers['x-hookroute-event'], 'usuario_registrado');
  assert.equal(request.headers.authorization, 'Bearer JOAO@EXAMPLE.COM');
  assert.deepEqual(JSON.parse(request.body.toString()), {
    id: 123,
    user,
    tags: ['a', 'b'],
    greeting: 'Olá João Silva',
    fixed: 7,
  });
});

test('without body, the received bytes go on unchanged with their content type', async (t) => {
  const { base, received } = await startServer(t);
  const bytes = Buffer.from('{"evento":"x",   "dados": {"a": 1.50, "b": "\\u00e9"}}\n\u00ff', 'latin1');
  const event = makeEvent({ a: 1.5 }, 'x', { body: bytes, contentType: 'application/json; charset=utf-8' });
  const { compiled } = compileAction(forwardAction, { forward: `${base}/raw`, method: 'put', headers: { 'User-Agent': 'custom' } }, '/');
  const rendered = await forwardAction.render(compiled, event);
  assert.deepEqual(forwardAction.describe?.(rendered), {
    method: 'PUT',
    url: `${base}/raw`,
    headers: { 'User-Agent': 'custom', 'Content-Type': 'application/json; charset=utf-8' },
    body: `<received body, ${bytes.length} bytes, application/json; charset=utf-8>`,
  });
  const result = await forwardAction.execute(rendered, makeAttempt());
  assert.equal(result.outcome, 'ok', result.error);
  const [request] = received;
  assert.equal(request?.method, 'PUT');
  assert.equal(request?.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(request?.headers['user-agent'], 'custom');
  assert.ok(request?.body.equals(bytes), 'body differs from the received bytes');
});

test('values inserted into the URL are URL-encoded and cannot add path segments or parameters', async (t) => {
  const { base, received } = await startServer(t);
  const data = { nome: 'João Silva/../admin', q: 'a&b=c#frag' };
  const result = await runOnce(forwardAction, { forward: `${base}/users/{{ nome }}?q={{ q }}`, method: 'GET' }, { dir: '/', data });
  assert.equal(result.outcome, 'ok', result.error);
  assert.equal(received[0]?.url, '/users/Jo%C3%A3o%20Silva%2F..%2Fadmin?q=a%26b%3Dc%23frag');
  assert.equal(received[0]?.body.length, 0);
});

test('a non-2xx answer is failed with its status and body; redirects are not followed', async (t) => {
  const { base } = await startServer(t, (req, res) => {
    if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
    else res.writeHead(500).end('boom');
  });
  const failed = await runOnce(forwardAction, { forward: `${base}/x` }, { dir: '/' });
  assert.equal(failed.outcome, 'failed');
  assert.equal(failed.status, 500);
  assert.equal(failed.output, 'boom');
  assert.match(failed.error ?? '', /500/);

  const moved = await runOnce(forwardAction, { forward: `${base}/moved` }, { dir: '/' });
  assert.equal(moved.outcome, 'failed');
  assert.equal(moved.status, 302);
  assert.match(moved.error ?? '', /\/elsewhere/);
});

test('a closed port is an error naming ECONNREFUSED and the origin', async () => {
  // A port that was just free and is closed again.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const result = await runOnce(forwardAction, { forward: `http://127.0.0.1:${port}/secret-path?token=x` }, { dir: '/' });
  assert.equal(result.outcome, 'error');
  assert.match(result.error ?? '', /ECONNREFUSED/);
  assert.ok(result.error?.includes(`http://127.0.0.1:${port}`));
  assert.ok(!result.error?.includes('token=x'), 'the message must not carry the query');
});

test('a server that never answers is a timeout', async (t) => {
  const { base } = await startServer(t, () => {});
  const result = await runOnce(forwardAction, { forward: `${base}/slow` }, { dir: '/', attempt: { timeoutMs: 300 } });
  assert.equal(result.outcome, 'timeout');
  assert.match(result.error ?? '', /300 ms/);
});

test('a shutdown stops the request', async (t) => {
  const { base } = await startServer(t, () => {});
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const result = await runOnce(forwardAction, { forward: `${base}/slow` }, { dir: '/', attempt: { signal: controller.signal } });
  assert.equal(result.outcome, 'error');
  assert.equal(result.error, 'stopped: shutting down');
});

test('a response body over the cap is truncated', async (t) => {
  const { base } = await startServer(t, (_req, res) => res.writeHead(200).end('r'.repeat(100_000)));
  const result = await runOnce(forwardAction, { forward: base }, { dir: '/' });
  assert.equal(result.outcome, 'ok');
  assert.equal(result.output, `${'r'.repeat(65536)}\n[… ${100_000 - 65536} more bytes truncated]`);
});

test('a URL must be http(s) with its scheme and host written out', () => {
  for (const forward of ['ftp://example.com/x', 'not a url', '{{ url }}', 'file:///etc/passwd']) {
    const { diagnostics } = compileAction(forwardAction, { forward }, '/');
    assert.equal(diagnostics.length, 1, forward);
    assert.equal(diagnostics[0]?.path, 'routes[0].actions[0].forward');
  }
  assert.equal(compileAction(forwardAction, { forward: 'https://{{ host }}.example.com/{{ id }}' }, '/').diagnostics.length, 0);
  assert.equal(compileAction(forwardAction, { forward: 'https://x.test', method: 'GET', body: {} }, '/').diagnostics.length, 1);
});

test('a header value with a line break fails rendering; an undefined one names the expression', async () => {
  const { compiled } = compileAction(forwardAction, { forward: 'https://x.test', headers: { 'X-Name': '{{ nome }}' } }, '/');
  await assert.rejects(forwardAction.render(compiled, makeEvent({ nome: 'a\r\nX-Admin: 1' })), (e) => isHookrouteError(e, 'HR_TEMPLATE_FAILED'));
  await assert.rejects(forwardAction.render(compiled, makeEvent({})), (e) => isHookrouteError(e, 'HR_TEMPLATE_UNDEFINED') && /nome/.test(e.message));
});
