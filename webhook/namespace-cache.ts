/**
 * Namespace labels and annotations, from a list/watch of the API server kept in
 * memory. Admission only ever reads the map: a slow or unreachable API server delays
 * the cache, never an admission. An unknown namespace is decided from its name alone.
 */
import { CoreV1Api, KubeConfig, makeInformer, type V1Namespace } from '@kubernetes/client-node';
import type { NamespaceInfo } from './policy.js';

export interface NamespaceCacheHooks {
  onSynced(size: number): void;
  onChange(size: number): void;
  /** A failed list or watch; the cache keeps what it had and retries after `retryInMs`. */
  onError(err: unknown, retryInMs: number): void;
}

export interface NamespaceCacheOptions {
  /** A list that takes longer is abandoned and retried (the watch itself has no deadline). */
  listTimeoutMs?: number;
  minRetryMs?: number;
  maxRetryMs?: number;
}

/** In-cluster service account, or a kubeconfig file; undefined when neither exists. */
export function loadKubeConfig(file: string | undefined): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (file !== undefined) {
    kc.loadFromFile(file);
    return kc;
  }
  if (!process.env.KUBERNETES_SERVICE_HOST) return undefined;
  kc.loadFromCluster();
  return kc;
}

function namespaceInfo(ns: V1Namespace): NamespaceInfo {
  return { labels: { ...ns.metadata?.labels }, annotations: { ...ns.metadata?.annotations } };
}

export class NamespaceCache {
  private readonly informer;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private readonly options: Required<NamespaceCacheOptions>;
  synced = false;

  constructor(kc: KubeConfig, private readonly hooks: NamespaceCacheHooks, options: NamespaceCacheOptions = {}) {
    this.options = { listTimeoutMs: 10_000, minRetryMs: 1_000, maxRetryMs: 30_000, ...options };
    this.retryMs = this.options.minRetryMs;
    const api = kc.makeApiClient(CoreV1Api);
    const list = async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`namespace list took longer than ${this.options.listTimeoutMs} ms`)), this.options.listTimeoutMs);
      });
      try {
        const result = await Promise.race([api.listNamespace(), deadline]);
        this.synced = true;
        this.retryMs = this.options.minRetryMs;
        queueMicrotask(() => this.hooks.onSynced(this.size()));
        return result;
      } finally {
        clearTimeout(timer);
      }
    };
    this.informer = makeInformer<V1Namespace>(kc, '/api/v1/namespaces', list);
    const changed = () => this.hooks.onChange(this.size());
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', changed);
    this.informer.on('error', (err) => this.retry(err));
  }

  /** Starts in the background; never awaited by admission. */
  start(): void {
    this.stopped = false;
    this.informer.start().catch((err: unknown) => this.retry(err));
  }

  private retry(err: unknown): void {
    this.synced = false;
    if (this.stopped) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs);
    this.hooks.onError(err, wait);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), wait);
  }

  get(name: string): NamespaceInfo | undefined {
    const ns = this.informer.get(name);
    return ns === undefined ? undefined : namespaceInfo(ns);
  }

  size(): number {
    return this.informer.list().length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.informer.stop();
  }
}
