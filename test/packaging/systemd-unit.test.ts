import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { loadRoutesFile } from '../../src/config/load.js';
import { repoRoot } from '../helpers/paths.js';

// deploy/hookroute.service: systemd's own verifier where the machine has it, and in any case a
// small parser that checks the keys the README and operators rely on.

const unitFile = path.join(repoRoot, 'deploy', 'hookroute.service');

type Unit = Map<string, Map<string, string[]>>;

/** systemd's unit syntax: [Section], Key=Value, # and ; comments, backslash continuation. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      unit.set(header[1] as string, section);
      return;
    }
    const pair = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    assert.ok(pair !== null, `line ${i + 1} is not Key=Value: ${raw}`);
    assert.ok(section !== undefined, `line ${i + 1} comes before any [Section]`);
    const [, key, value] = pair as unknown as [string, string, string];
    section.set(key, [...(section.get(key) ?? []), value]);
  });
  return unit;
}

function one(unit: Unit, section: string, key: string): string {
  const values = unit.get(section)?.get(key);
  assert.ok(values !== undefined && values.length > 0, `[${section}] ${key}= is missing`);
  return values[values.length - 1] as string;
}

function seconds(text: string): number {
  const m = /^(\d+)(s|min|m)?$/.exec(text);
  assert.ok(m !== null, `${text} is not a time span this test understands`);
  return Number(m[1]) * (m[2] === 'min' || m[2] === 'm' ? 60 : 1);
}

test('the unit file has the service, reload, stop and hardening settings', async () => {
  const unit = parseUnit(await readFile(unitFile, 'utf8'));
  assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);

  const exec = one(unit, 'Service', 'ExecStart');
  assert.match(exec, /hookroute serve \/etc\/hookroute\/routes\.yaml --data \/var\/lib\/hookroute$/);
  assert.equal(one(unit, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one(unit, 'Service', 'Restart'), 'on-failure');
  assert.equal(one(unit, 'Service', 'EnvironmentFile'), '-/etc/hookroute/env');
  assert.equal(one(unit, 'Service', 'KillSignal'), 'SIGTERM');
  assert.equal(one(unit, 'Service', 'StateDirectory'), 'hookroute');
  assert.equal(one(unit, 'Service', 'ConfigurationDirectory'), 'hookroute');
  assert.match(one(unit, 'Service', 'LimitNOFILE'), /^\d+$/);
  for (const key of ['DynamicUser', 'ProtectHome', 'PrivateTmp', 'NoNewPrivileges']) assert.equal(one(unit, 'Service', key), 'yes', key);
  assert.equal(one(unit, 'Service', 'ProtectSystem'), 'strict');
  // V8 needs writable executable memory; this setting would crash node at start.
  assert.equal(unit.get('Service')?.get('MemoryDenyWriteExecute'), undefined);
  assert.equal(one(unit, 'Install', 'WantedBy'), 'multi-user.target');

  // systemd must wait longer than hookroute's own drain, or it kills running actions mid-way.
  const example = await loadRoutesFile(path.join(repoRoot, 'routes.example.yaml'), { env: {} });
  assert.ok(seconds(one(unit, 'Service', 'TimeoutStopSec')) > example.server.shutdownTimeoutMs / 1000);
});

test('systemd-analyze verify accepts the unit without warnings', async (t) => {
  let result: { stdout: string; stderr: string };
  try {
    await promisify(execFile)('systemd-analyze', ['--version']);
  } catch {
    t.skip('systemd-analyze is not installed');
    return;
  }
  try {
    result = await promisify(execFile)('systemd-analyze', ['verify', unitFile]);
  } catch (error) {
    const e = error as { code: unknown; stderr: string };
    assert.fail(`systemd-analyze verify failed (${String(e.code)}):\n${e.stderr}`);
  }
  // Unknown keys and bad values are only warnings ("..., ignoring."): fail on any line about the unit.
  const about = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes('hookroute.service'));
  assert.deepEqual(about, []);
});
