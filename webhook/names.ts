/**
 * Names the webhook writes into pods. Users and other components see them (the
 * preload reads the env, operators grep the annotations): keep them stable and
 * documented in docs/tool-owners.md and docs/operators/webhook.md.
 */
import { DISABLED_ENV, PROFILE_ENV } from '../contract/preload-env.js';

export const annotationPrefix = 'tracing.toolforge.org/';

/** `"false"` on a pod, pod template or namespace (annotation or label) opts out. */
export const injectAnnotation = `${annotationPrefix}inject`;
/** Set to the webhook version on every injected pod; its presence makes reinvocation a no-op. */
export const injectedAnnotation = `${annotationPrefix}injected`;
/** `<container>=<reason>,...` for app containers left alone in a pod. */
export const skippedContainersAnnotation = `${annotationPrefix}skipped-containers`;

export const volumeName = 'toolforge-tracing-preload';
export const initContainerName = 'toolforge-tracing-preload';
/** Where the image keeps the preload directory (preload/Containerfile). */
export const imagePreloadDir = '/opt/toolforge-tracing/preload';
/** Where app containers (and the init container) see the copied preload. */
export const mountPath = '/toolforge-tracing';
export const preloadFile = 'preload.cjs';

/** Downward-API helpers referenced as $(NAME) by the OTEL_* values below them. */
export const podNameEnv = 'TOOLFORGE_TRACING_POD_NAME';
export const nodeNameEnv = 'TOOLFORGE_TRACING_NODE_NAME';
export const hostIpEnv = 'TOOLFORGE_TRACING_HOST_IP';
export const profileEnv = PROFILE_ENV;
/** Tool-owner opt-out (works through `toolforge envvars`); the preload honours it too. */
export const disabledEnv = DISABLED_ENV;
