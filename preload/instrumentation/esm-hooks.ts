import Module from 'node:module';
import { pathToFileURL } from 'node:url';

type Register = (specifier: string, options: { data: unknown }) => void;

/**
 * Registers the bundled import-in-the-middle loader (hook.mjs, next to this file)
 * so ESM imports of the instrumented packages can be patched. Limited to those
 * specifiers: every other module an ESM app imports loads untouched.
 */
export function registerEsmHooks(hookFile: string, include: string[]): void {
  const register = (Module as unknown as { register?: Register }).register;
  if (typeof register !== 'function') return;
  register(pathToFileURL(hookFile).href, { data: { include } });
}
