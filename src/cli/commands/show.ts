import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { DeliveryDetail } from '../../journal/types.js';
import { adminRequest, adminTarget, AdminRequestError } from '../admin-client.js';
import { usageError, type Command } from '../io.js';

export const USAGE = 'hookroute show ID [--json] [--admin URL] [--admin-token T]';

export const show: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args], allowPositionals: true,
      options: { json: { type: 'boolean' }, admin: { type: 'string' }, 'admin-token': { type: 'string' } },
    });
  } catch (error) {
    return usageError(io, (error as Error).message, USAGE);
  }
  const id = parsed.positionals[0];
  if (id === undefined) return usageError(io, 'which delivery? pass its ID (from `hookroute deliveries`)', USAGE);
  try {
    const d = await adminRequest<DeliveryDetail>(adminTarget(parsed.values.admin, parsed.values['admin-token'], io), 'GET', `/api/deliveries/${encodeURIComponent(id)}`);
    if (parsed.values.json === true) {
      io.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      return 0;
    }
    const view = {
      delivery: d.id, ...(d.sourceId !== undefined && { senderId: d.sourceId }), event: d.event, endpoint: d.endpoint,
      received: d.receivedAt, status: d.status, data: d.data,
      routes: d.runs.map((r) => ({
        route: r.route, status: r.status,
        actions: r.jobs.map((j) => ({
          action: j.name, type: j.type, status: j.status,
          attempts: j.attemptsLog.map((a) => ({
            n: a.n, at: new Date(a.startedAt).toISOString(), outcome: a.outcome, durationMs: a.durationMs,
            ...(a.exitCode !== undefined && { exitCode: a.exitCode }), ...(a.status !== undefined && { httpStatus: a.status }),
            ...(a.error !== undefined && { error: a.error }), ...(a.output !== undefined && a.output !== '' && { output: a.output }),
            ...(a.stderr !== undefined && a.stderr !== '' && { stderr: a.stderr }),
          })),
        })),
      })),
    };
    io.stdout.write(stringify(view, { lineWidth: 0 }));
    return 0;
  } catch (error) {
    if (!(error instanceof AdminRequestError)) throw error;
    io.stderr.write(`hookroute: ${error.message}\n`);
    return 1;
  }
};
