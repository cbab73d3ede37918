// docs/tool-owners.md lists the parameter names whose values are redacted: the lists
// must be the code's own (preload/attributes/url-privacy.ts), so the docs promise nothing the code
// does not do, and a name added to the code is documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SECRET_NAMES, SECRET_PARTS, SECRET_WORDS } from '../../preload/attributes/url-privacy.js';
import { repoRoot } from '../support/preload-bundle.js';

/** The backticked names of the bullet that starts with `lead`, up to its first parenthesis. */
function bullet(doc: string, lead: string): string[] {
  const line = doc.split('\n').find((l) => l.trimStart().startsWith(`- ${lead}`));
  assert.ok(line, `docs/tool-owners.md has a bullet "- ${lead}"`);
  return [...line.slice(0, line.includes(' (') ? line.indexOf(' (') : undefined).matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

test("tool-owners.md's redacted parameter names are url-privacy.ts's lists", () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'tool-owners.md'), 'utf8');
  assert.deepEqual(bullet(doc, 'is one of:'), [...SECRET_NAMES]);
  assert.deepEqual(bullet(doc, 'has one of these words:'), [...SECRET_WORDS]);
  assert.deepEqual(bullet(doc, 'contains one of:'), [...SECRET_PARTS]);
});
