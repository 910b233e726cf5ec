import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProfile, summariseProfile } from './cpu-profile.js';
import { FLOOD_ROUTE, SEED_ROUTE, routesYaml, startHookroute } from './hookroute.js';
import { load } from './load.js';
import { killAll, pinSelf, sleep } from './proc.js';

// `node dist/bench/profile.js [seed|flood|startup] [seconds] [--log-level L]`: runs one hookroute
// under `node --cpu-prof` (server on core 1, load on core 0 when taskset exists), loads it with
// the seed body, stops it and prints where its CPU time went. Not part of `npm run bench`.

const mode = process.argv[2] ?? 'seed';
const seconds = Number(process.argv[3] ?? 10);
const levelAt = process.argv.indexOf('--log-level');
const logLevel = levelAt === -1 ? undefined : process.argv[levelAt + 1];

const cores = os.availableParallelism();
const pinned = cores > 1 && pinSelf(0);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hookroute-profile-'));
const profiles = path.join(tmp, 'profiles');
try {
  const h = await startHookroute({
    name: mode, tmp, core: pinned ? 1 : undefined,
    yaml: routesYaml({ durability: 'normal', routes: mode === 'flood' ? FLOOD_ROUTE : SEED_ROUTE }),
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=250'],
    ...(logLevel !== undefined && { logLevel }),
  });
  process.stderr.write(`started in ${h.startupMs} ms\n`);
  let skipMs = 0;
  if (mode !== 'startup') {
    // Start-up and a warm-up are left out of the summary: only the steady state is read.
    await load({ url: `${h.url}/webhook`, connections: 50, seconds: 2 });
    skipMs = Date.now() - h.spawnedAt;
    const result = await load({ url: `${h.url}/webhook`, connections: 50, seconds, serverPid: h.pid });
    process.stderr.write(`${JSON.stringify(result)}\n`);
    await sleep(500);
  }
  await h.stop();
  const [file] = await readdir(profiles);
  if (file === undefined) throw new Error('no profile was written');
  process.stdout.write(`${formatProfile(await summariseProfile(path.join(profiles, file), 30, skipMs))}\n`);
} finally {
  killAll();
  await rm(tmp, { recursive: true, force: true });
}
