/** The demo's front proxy, used by the pipeline tests too. */
export { startFrontProxy as startForwardingProxy, type FrontProxy as ForwardingProxy } from '../../local/demo/front-proxy.js';
