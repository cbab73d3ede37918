/**
 * The release version, read from package.json's `version` (its one source): the CLI's
 * --version, the webhook's injection marker and default preload image tag, the agent's
 * start line and the preload's resource and scope all say this value. Bundles inline it
 * (preload/bundles.mjs keeps only this field), so nothing reads package.json at run time
 * outside a checkout.
 */
import packageJson from '../package.json' with { type: 'json' };

export const version: string = packageJson.version;
