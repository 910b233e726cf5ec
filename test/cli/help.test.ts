import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

// Every command answers --help with its own usage line; an unknown command is a usage error.

const COMMANDS = ['serve', 'check', 'test', 'deliveries', 'show', 'replay', 'sign', 'init', 'schema'];

test('each command prints its usage with --help, and nothing else happens', async () => {
  for (const name of COMMANDS) {
    const result = await runCli([name, '--help']);
    assert.equal(result.code, 0, `${name} --help: ${result.stderr}`);
    assert.match(result.stdout, new RegExp(`usage: hookroute ${name}`), name);
  }
});

test('hookroute --help lists every command; an unknown command exits 2 with the list', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  const unknown = await runCli(['deploy']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "deploy"/);
  assert.match(unknown.stderr, /replay/);
});
