import Fastify from 'fastify';

// The reference server: Fastify 5 with its logger off, parsing the JSON body (Fastify's own
// parser) and answering 200. Started as a child process by bench/run.ts; prints one JSON line
// with its address, then serves until SIGTERM.

const app = Fastify({ logger: false });
app.post('/webhook', async (request) => {
  const body = request.body as { evento?: unknown } | null;
  return { ok: true, evento: body?.evento ?? null };
});

await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(`${JSON.stringify({ msg: 'bare fastify listening', url: `http://127.0.0.1:${port}`, time: Date.now() })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
