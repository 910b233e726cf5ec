import { parseArgs } from 'node:util';
import type { DeliverySummary } from '../../journal/types.js';
import { adminRequest, adminTarget, AdminRequestError } from '../admin-client.js';
import { usageError, type Command } from '../io.js';

export const USAGE = 'hookroute deliveries [--status pending|failed|dead|done] [--event NAME] [--limit N] [--json] [--admin URL] [--admin-token T]';

export const deliveries: Command = async (args, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        status: { type: 'string' }, event: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' },
        admin: { type: 'string' }, 'admin-token': { type: 'string' },
      },
    }));
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const query = new URLSearchParams();
  if (values.status !== undefined) query.set('status', values.status);
  if (values.event !== undefined) query.set('event', values.event);
  if (values.limit !== undefined) query.set('limit', values.limit);
  try {
    const { deliveries: list } = await adminRequest<{ deliveries: DeliverySummary[] }>(
      adminTarget(values.admin, values['admin-token'], io), 'GET', `/api/deliveries?${query.toString()}`,
    );
    if (values.json === true) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else if (list.length === 0) io.stdout.write('no deliveries\n');
    else {
      io.stdout.write(`${'ID'.padEnd(36)}  ${'RECEIVED'.padEnd(24)}  ${'STATUS'.padEnd(7)}  ${'ENDPOINT'.padEnd(12)}  EVENT  ROUTES\n`);
      for (const d of list) {
        io.stdout.write(`${d.id.padEnd(36)}  ${d.receivedAt.padEnd(24)}  ${d.status.padEnd(7)}  ${d.endpoint.padEnd(12)}  ${d.event}  ${d.routes.join(',') || '-'}\n`);
      }
    }
    return 0;
  } catch (error) {
    if (!(error instanceof AdminRequestError)) throw error;
    io.stderr.write(`hookroute: ${error.message}\n`);
    return 1;
  }
};
