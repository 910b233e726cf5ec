import { parseArgs } from 'node:util';
import { adminRequest, adminTarget, AdminRequestError } from '../admin-client.js';
import { usageError, type Command } from '../io.js';

export const USAGE = 'hookroute replay ID | --dead [--admin URL] [--admin-token T]';

export const replay: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args], allowPositionals: true,
      options: { dead: { type: 'boolean' }, admin: { type: 'string' }, 'admin-token': { type: 'string' } },
    });
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const id = parsed.positionals[0];
  if ((id === undefined) === (parsed.values.dead !== true)) return usageError(io, 'give either a delivery ID or --dead', USAGE);
  const target = adminTarget(parsed.values.admin, parsed.values['admin-token'], io);
  try {
    if (id !== undefined) {
      const r = await adminRequest<{ id: string; requeued: number }>(target, 'POST', `/api/deliveries/${encodeURIComponent(id)}/replay`);
      io.stdout.write(r.requeued === 0 ? `${r.id}: nothing to replay (no dead or failing route)\n` : `${r.id}: ${r.requeued} route(s) queued again\n`);
    } else {
      const r = await adminRequest<{ deliveries: number; requeued: number }>(target, 'POST', '/api/replay?status=dead');
      io.stdout.write(`${r.deliveries} dead deliveries, ${r.requeued} route(s) queued again\n`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof AdminRequestError)) throw error;
    io.stderr.write(`hookroute: ${error.message}\n`);
    return 1;
  }
};
