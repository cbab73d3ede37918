/**
 * The demo's tools: who they are, how they run, and which dependencies they have — the
 * truth the map must show. Node tools are traced by the preload, the others by the agent.
 */
export type Runtime = 'node' | 'python' | 'php' | 'shell';

export interface DemoTool {
  name: string;
  runtime: Runtime;
  /** File under local/demo/apps/. */
  app: string;
  /** Serves HTTP behind the front proxy (gets a PORT). */
  web: boolean;
  /** End users open it (the load driver requests it every second). */
  endUsers: boolean;
  /** What it depends on: graph node names as topology names them. */
  uses: string[];
}

export const FLEET: readonly DemoTool[] = [
  {
    name: 'citation-hunt',
    runtime: 'node',
    app: 'citation-hunt.cjs',
    web: true,
    endUsers: true,
    uses: ['wmcs:wiki-replicas', 'toolforge:toolsdb', 'toolforge:redis', 'wikimedia:mediawiki', 'wikidata-lookup'],
  },
  { name: 'wikidata-lookup', runtime: 'node', app: 'wikidata-lookup.cjs', web: true, endUsers: false, uses: ['wmcs:wiki-replicas', 'toolforge:redis'] },
  { name: 'wiki-bot', runtime: 'python', app: 'wiki-bot.py', web: false, endUsers: false, uses: ['wmcs:wiki-replicas', 'wikimedia:mediawiki', 'wikidata-lookup', 'toolforge:redis'] },
  { name: 'quarry-lite', runtime: 'php', app: 'quarry-lite.php', web: true, endUsers: true, uses: ['toolforge:toolsdb', 'wikidata-lookup'] },
  { name: 'dump-stats', runtime: 'shell', app: 'dump-stats.sh', web: false, endUsers: false, uses: ['wmcs:dumps', 'citation-hunt'] },
];

/** The tool the demo exists to reveal: no end user, yet others depend on it. */
export const QUIET_HUB = 'wikidata-lookup';

/** Demo accounts get uids from here up, in FLEET order (`tools.<name>`). */
export const FIRST_DEMO_UID = 53001;

/** Wikis with a replica database in the demo (`<wiki>.analytics.db.svc.wikimedia.cloud`). */
export const DEMO_WIKIS = ['enwiki', 'dewiki'] as const;
/** Wikis with a MediaWiki API in the demo (one HTTPS server answers for all). */
export const DEMO_WIKI_HOSTS = ['en.wikipedia.org', 'de.wikipedia.org'] as const;
/** The ToolsDB database the demo's tools share. */
export const TOOLSDB_DATABASE = 's53001__demo';
/** The dumps file dump-stats reads, under the namespace's /mnt. */
export const DUMPS_RELATIVE = 'nfs/dumps-clouddumps1001.wikimedia.org/public/enwiki/latest/enwiki-latest-abstract.xml';
