/**
 * The shared patch values (patch-json.ts) made so far for a config, by what else they
 * depend on: our volume, init container and mount path names. Those names follow the
 * pod (a name it already uses gets `-2`, `-3`, ...), so whoever creates pods, dry runs
 * included, chooses the keys. A cache keyed by them must not grow with every
 * combination: it keeps the `maxSharedValues` most recently used per config (LRU). A
 * value evicted is made again when needed; real pods use a handful of keys.
 */
import type { WebhookConfig } from './config.js';
import { shared } from './patch-json.js';

/** Per config. Ordinary pods need ~6 keys (one per value kind); suffixed names add a few each. */
export const maxSharedValues = 256;

const byConfig = new WeakMap<WebhookConfig, Map<string, object>>();

/** The shared value for `key`, made (and marked shared) on first use or after eviction. */
export function sharedFor<T extends object>(config: WebhookConfig, key: string, make: () => T): T {
  let values = byConfig.get(config);
  if (values === undefined) byConfig.set(config, (values = new Map()));
  let value = values.get(key) as T | undefined;
  if (value !== undefined) {
    // A Map iterates in insertion order: re-inserting makes this the most recent.
    values.delete(key);
    values.set(key, value);
    return value;
  }
  values.set(key, (value = shared(make())));
  if (values.size > maxSharedValues) values.delete(values.keys().next().value!);
  return value;
}

/** How many values are cached for `config` (for tests and debugging). */
export function sharedValueCount(config: WebhookConfig): number {
  return byConfig.get(config)?.size ?? 0;
}
