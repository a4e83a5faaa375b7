/**
 * Prints the files deploy/Dockerfile puts into the image, without Docker: the build context (tracked and
 * untracked, not git-ignored files) minus deploy/Dockerfile.dockerignore, minus what the build stage
 * deletes. Ends with the test code among them (what is still to move to testing entry points).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const escapeRegex = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** A .dockerignore pattern as a regex over slash-separated paths (`**`, `*`, `?`; a directory covers its files). */
function patternRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 3;
    } else if (pattern.startsWith('**', i)) {
      out += '.*';
      i += 2;
    } else if (pattern[i] === '*') {
      out += '[^/]*';
      i += 1;
    } else if (pattern[i] === '?') {
      out += '[^/]';
      i += 1;
    } else {
      out += escapeRegex(pattern[i]);
      i += 1;
    }
  }
  return new RegExp(`^${out}(?:/.*)?$`);
}

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean);
const ignored = readFileSync('deploy/Dockerfile.dockerignore', 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map(patternRegex);
// The build stage runs `rm -rf .ci docs bench-data data` after `npm prune --omit=dev`.
const removed = /^(\.ci|docs|bench-data|data)\//;
const image = files.filter((f) => !ignored.some((r) => r.test(f)) && !removed.test(f)).sort();
const testCode =
  /(\.test\.ts$|\/testing\/|^test\/.*\.ts$|\/testing\.ts$|\/interceptor\.ts$|\/spec-validator\.ts$|\/test-support\.ts$|^packages\/test-utils\/src\/)/;
const tests = image.filter((f) => testCode.test(f));
for (const f of image) console.log(f);
console.log(`\n${image.length} files in the image; ${tests.length} of them test code:`);
for (const f of tests) console.log(`  ${f}`);
