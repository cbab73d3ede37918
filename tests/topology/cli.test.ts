// `toolforge-tracing topology ...` run as a real process, with real rules files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'topology', ...args], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const lines = (stdout: string): unknown[] => stdout.trim().split('\n').map((line) => JSON.parse(line));

describe('toolforge-tracing topology', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'topology-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('classify: hosts, host:port and URLs, one JSON object per line', async () => {
    const { code, stdout, stderr } = await cli(
      'classify', 'en.wikipedia.org', 'https://xtools.toolforge.org/api/page?x=1', 's1.analytics.db.svc.wikimedia.cloud:3306', '[::1]:80', '--db-name', 'enwiki_p',
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines(stdout), [
      { destination: 'en.wikipedia.org', node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org' },
      { destination: 'https://xtools.toolforge.org/api/page?x=1', node: 'xtools', kind: 'tool' },
      { destination: 's1.analytics.db.svc.wikimedia.cloud:3306', node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' },
      { destination: '[::1]:80', node: 'local:loopback', kind: 'external' },
    ]);
  });

  it('classify with --profile and --rules: extra rules come first', async () => {
    const rules = join(dir, 'rules.yaml');
    await writeFile(rules, 'rules:\n  - hostSuffix: example.wmcloud.org\n    node: cloudvps:example\n    detail: "{rest}"\n');
    const { code, stdout, stderr } = await cli('classify', '--profile', 'toolsbeta', '--rules', rules, 'api.example.wmcloud.org', 'xtools.beta.toolforge.org');
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines(stdout), [
      { destination: 'api.example.wmcloud.org', node: 'cloudvps:example', kind: 'service', detail: 'api' },
      { destination: 'xtools.beta.toolforge.org', node: 'xtools', kind: 'tool' },
    ]);
  });

  it('classify-path', async () => {
    const { code, stdout, stderr } = await cli('classify-path', '/data/project/xtools/config.yaml', '/tmp/x');
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines(stdout), [
      { path: '/data/project/xtools/config.yaml', node: 'xtools', kind: 'tool', detail: 'nfs' },
      { path: '/tmp/x', node: null },
    ]);
  });

  it('check-rules: a valid file (JSON is YAML too)', async () => {
    const rules = join(dir, 'ok.json');
    await writeFile(rules, JSON.stringify({ rules: [{ cidr: '172.16.0.0/21', node: 'local:eqiad1-vm', kind: 'external' }, { host: 'x.org', node: 'corp:x' }] }));
    const { code, stdout } = await cli('check-rules', rules);
    assert.equal(code, 0);
    assert.equal(stdout, `${rules}: 2 rules, valid\n`);
  });

  it('check-rules: every problem, by rule index and field, exit 1', async () => {
    const rules = join(dir, 'bad.yaml');
    await writeFile(rules, 'rules:\n  - host: a.org\n    node: corp:a\n  - hostSuffix: b.org\n    node: notreserved\n  - cidr: 10.0.0.0/40\n    node: corp:c\n');
    const { code, stdout, stderr } = await cli('check-rules', rules);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `toolforge-tracing: rules file ${rules}: rules[1].node: "notreserved" must be a reserved name "<realm>:<name>" (lowercase; the ':' keeps it apart from tool names) when kind is service; rules[2].cidr: "10.0.0.0/40" is not a CIDR block like 172.16.0.0/21 or fd00::/8\n`,
    );
  });

  it('check-rules: YAML syntax errors and missing files are named', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'rules:\n  - host: [unclosed\n');
    const syntax = await cli('check-rules', broken);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, new RegExp(`^toolforge-tracing: rules file ${broken} is not valid YAML: .*line 3`, 's'));
    const missing = await cli('check-rules', join(dir, 'nope.yaml'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^toolforge-tracing: cannot read rules file .*nope\.yaml: ENOENT/);
  });

  it('an unknown profile is refused with the valid names', async () => {
    const { code, stderr } = await cli('classify', '--profile', 'production', 'x.org');
    assert.equal(code, 1);
    assert.match(stderr, /argument 'production' is invalid\. must be one of toolforge, toolsbeta, lima-kilo, cloudvps/);
  });
});
