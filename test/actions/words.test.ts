import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitWords } from '../../src/actions/words.js';

function words(source: string): readonly string[] {
  const split = splitWords(source);
  assert.ok(split.ok, split.ok ? '' : split.error);
  return split.words;
}

test('splits like a shell: quotes and backslashes respected', () => {
  assert.deepEqual(words(`./deploy.sh  "two words" 'single $HOME' three\\ four --x="a b"c`), [
    './deploy.sh',
    'two words',
    'single $HOME',
    'three four',
    '--x=a bc',
  ]);
  assert.deepEqual(words(`echo "" ''`), ['echo', '', '']);
  assert.deepEqual(words("echo 'a `literal` b'"), ['echo', 'a `literal` b']);
});

test('templates stay whole inside their word, whatever their expression holds', () => {
  assert.deepEqual(words(`./welcome.sh {{ email }} {{ $substringBefore(nome, ' ') }}`), [
    './welcome.sh',
    '{{ email }}',
    "{{ $substringBefore(nome, ' ') }}",
  ]);
  assert.deepEqual(words(`run --name={{ nome }} "hello {{ $uppercase(nome) }}!" '{{ a & " | " & b }}'`), [
    'run',
    '--name={{ nome }}',
    'hello {{ $uppercase(nome) }}!',
    '{{ a & " | " & b }}',
  ]);
});

test('refuses what only a shell would interpret, pointing at the list form or shell: true', () => {
  for (const source of [
    'a | b',
    'echo $HOME',
    'echo ${HOME}',
    'rm *.txt',
    'ls file?.log',
    'a; b',
    'a && b',
    'a || b',
    'a > out.txt',
    'a < in.txt',
    'a &',
    'x $(id)',
    'x "$(id)"',
    'x `id`',
    'x "`id`"',
    'deploy # comment',
  ]) {
    const split = splitWords(source);
    assert.equal(split.ok, false, source);
    if (!split.ok) {
      assert.match(split.error, /no shell runs this string/, source);
      assert.match(split.error, /shell: true/, source);
    }
  }
});

test('an empty command is refused', () => {
  assert.equal(splitWords('   ').ok, false);
});
