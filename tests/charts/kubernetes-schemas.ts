/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models)
 * and cert-manager's CRD schemas (@kubernetes-models/cert-manager, generated from the
 * CRDs' openAPIV3Schema). A kind with no schema here is itself a failure.
 *
 * Those validators accept fields the API does not have, which the API server would drop
 * without a word (a misspelt `readinesProbe` is no probe at all), so unknown fields are
 * found separately, from @kubernetes/client-node's model type maps (built-in kinds).
 */
import * as clientNode from '@kubernetes/client-node';
import * as certManager from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import * as admissionregistration from 'kubernetes-models/admissionregistration.k8s.io/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as scheduling from 'kubernetes-models/scheduling.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import type { K8sObject } from './helm.js';

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

const isModel = (x: unknown): x is ModelClass =>
  typeof x === 'function' && typeof (x as Partial<ModelClass>).apiVersion === 'string' && typeof (x as Partial<ModelClass>).kind === 'string';

const models = new Map<string, ModelClass>();
for (const group of [core, apps, policy, rbac, scheduling, admissionregistration, networking, certManager]) {
  for (const exported of Object.values(group)) {
    if (isModel(exported)) models.set(`${exported.apiVersion} ${exported.kind}`, exported);
  }
}

/** The schema violations of one object ('' when valid). */
export function schemaErrors(object: K8sObject): string {
  const model = models.get(`${object.apiVersion} ${object.kind}`);
  if (model === undefined) return `no schema for apiVersion ${object.apiVersion} kind ${object.kind}`;
  try {
    new model(object).validate();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

type AttributeTypeMap = Array<{ baseName: string; type: string }>;
const clientModels = clientNode as unknown as Record<string, { getAttributeTypeMap?: () => AttributeTypeMap } | undefined>;
const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

function unknownFieldsAt(value: unknown, type: string, path: string): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) return Array.isArray(value) ? value.flatMap((v, i) => unknownFieldsAt(v, array[1]!, `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) return isObject(value) ? Object.entries(value).flatMap(([k, v]) => unknownFieldsAt(v, map[1]!, `${path}.${k}`)) : [];
  const attributes = clientModels[type]?.getAttributeTypeMap?.();
  // Scalars, IntOrString, free-form objects: nothing to check.
  if (attributes === undefined || !isObject(value)) return [];
  const known = new Map(attributes.map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const fieldType = known.get(k);
    return fieldType === undefined ? [`${path}.${k}`] : unknownFieldsAt(v, fieldType, `${path}.${k}`);
  });
}

const builtInApiVersions = new Set(['v1', 'apps/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'admissionregistration.k8s.io/v1', 'networking.k8s.io/v1', 'scheduling.k8s.io/v1']);

/** The client-node model of a built-in kind (V1Deployment, ...); undefined for CRDs. */
export const builtInModelName = (object: K8sObject): string | undefined =>
  builtInApiVersions.has(object.apiVersion) && clientModels[`V1${object.kind}`]?.getAttributeTypeMap !== undefined ? `V1${object.kind}` : undefined;

/** Fields of a built-in object that its API version does not define (paths like spec.template.spec.containers[0].readinesProbe). */
export function unknownFields(object: K8sObject): string[] {
  const model = builtInModelName(object);
  if (model === undefined) throw new Error(`${object.apiVersion} ${object.kind} is not a built-in kind with a client-node model`);
  return unknownFieldsAt(object, model, object.kind);
}
