// The Kubernetes manifests under deploy/k8s, read for the checks in
// test/deploy/k8s.test.ts, and the shapes of the parts those checks look at.

import { readdirSync } from 'node:fs';
import { readYamlDocuments, ROOT } from './deploy.ts';

export const K8S_DIR = 'deploy/k8s';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface Manifest {
  /** Path below deploy/k8s, e.g. `migrate/job.yaml`. */
  readonly file: string;
  readonly object: K8sObject;
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
  periodSeconds?: number;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  containers: Container[];
  securityContext?: SecurityContext;
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; secret?: { secretName: string }; emptyDir?: object }[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

/** Every YAML file below deploy/k8s, as paths relative to it. */
export function manifestFiles(dir = K8S_DIR): string[] {
  return readdirSync(new URL(`${dir}/`, ROOT), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .sort();
}

export function readManifests(): Manifest[] {
  return manifestFiles().flatMap((file) =>
    readYamlDocuments(`${K8S_DIR}/${file}`).map((object) => ({
      file,
      object: object as K8sObject,
    })),
  );
}

/** The pod template of a Deployment or Job, or undefined for other kinds. */
export function podTemplate(object: K8sObject): PodTemplate | undefined {
  if (object.kind !== 'Deployment' && object.kind !== 'Job') return undefined;
  return (object.spec as { template: PodTemplate }).template;
}

/** Whether a label selector's matchLabels all hold on these labels. */
export function selects(
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
): boolean {
  const wanted = Object.entries(selector?.matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels[key] === value);
}

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates an object against the upstream Kubernetes OpenAPI schema of its
 * apiVersion and kind (kubernetes-models); throws with every violation.
 */
export async function validateAgainstSchema(object: K8sObject): Promise<void> {
  const models = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<
    string,
    ModelClass | undefined
  >;
  const Model = models[object.kind];
  if (Model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}
