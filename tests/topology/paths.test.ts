// NFS paths a process opens (the agent's input): tools' homes, scratch, dumps, user homes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyPath, profileByName, type Destination } from '../../topology/index.js';

const rows: Record<string, [string, Destination | undefined][]> = {
  toolforge: [
    // Another tool's files: an edge to that tool ("who depends on tool X's files").
    ['/data/project/xtools/config.yaml', { node: 'xtools', kind: 'tool', detail: 'nfs' }],
    ['/data/project/tf-test', { node: 'tf-test', kind: 'tool', detail: 'nfs' }],
    ['/data/project/xtools/../geohack/public_html/index.php', { node: 'geohack', kind: 'tool', detail: 'nfs' }],
    ['//data//project/./xtools/', { node: 'xtools', kind: 'tool', detail: 'nfs' }],
    ['/data/project', { node: 'toolforge:nfs', kind: 'service', detail: 'project' }],
    ['/data/project/Not_A_Tool/x', { node: 'toolforge:nfs', kind: 'service', detail: 'project' }],
    ['/data/scratch/xtools/cache.db', { node: 'toolforge:nfs', kind: 'service', detail: 'scratch' }],
    ['/home/someuser/.bashrc', { node: 'toolforge:nfs', kind: 'service', detail: 'home' }],
    ['/public/dumps/public/enwiki/20240601/enwiki-20240601-pages-articles.xml.bz2', { node: 'wmcs:dumps', kind: 'service', detail: 'public/enwiki' }],
    ['/public/dumps/public/wikidatawiki/entities/latest-all.json.gz', { node: 'wmcs:dumps', kind: 'service', detail: 'public/wikidatawiki' }],
    ['/public/dumps/pageviews/2024/2024-06/pageviews-20240601-000000.gz', { node: 'wmcs:dumps', kind: 'service', detail: 'pageviews' }],
    ['/public/dumps', { node: 'wmcs:dumps', kind: 'service' }],
    ['/mnt/nfs/dumps-clouddumps1001.wikimedia.org/public/enwiki/latest/x.gz', { node: 'wmcs:dumps', kind: 'service', detail: 'clouddumps1001.wikimedia.org:public/enwiki' }],
    ['/mnt/nfs/dumps-clouddumps1002.wikimedia.org/other/x', { node: 'wmcs:dumps', kind: 'service', detail: 'clouddumps1002.wikimedia.org:other' }],
    ['/mnt/nfs/dumps-clouddumps1002.wikimedia.org', { node: 'wmcs:dumps', kind: 'service', detail: 'clouddumps1002.wikimedia.org' }],
    // Not shared dependencies.
    ['/tmp/x', undefined],
    ['/etc/wmcs-project', undefined],
    ['/mnt/nfs/other-share/x', undefined],
    ['/data', undefined],
    ['relative/data/project/xtools', undefined],
    ['', undefined],
    ['/data/project/xtools\0/x', undefined],
  ],
  cloudvps: [
    ['/data/project/somefile', { node: 'wmcs:nfs', kind: 'service', detail: 'project' }],
    ['/data/scratch/x', { node: 'wmcs:nfs', kind: 'service', detail: 'scratch' }],
    ['/home/someuser/x', { node: 'wmcs:nfs', kind: 'service', detail: 'home' }],
    ['/public/dumps/public/dewiki/x', { node: 'wmcs:dumps', kind: 'service', detail: 'public/dewiki' }],
  ],
};

describe('classifyPath', () => {
  for (const [profileName, table] of Object.entries(rows)) {
    const profile = profileByName(profileName);
    for (const [path, expected] of table) {
      it(`${profileName}: ${JSON.stringify(path)} -> ${expected?.node ?? 'no dependency'}`, () => {
        assert.deepEqual(classifyPath(path, profile), expected);
      });
    }
  }

  it('non-strings and oversized paths are no dependency', () => {
    const profile = profileByName('toolforge');
    for (const path of [undefined, null, 42, {}, '/' + 'a/'.repeat(3000)]) {
      assert.equal(classifyPath(path as string, profile), undefined);
    }
  });
});
