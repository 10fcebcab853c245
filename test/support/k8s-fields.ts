// Unknown fields in the manifests. The upstream schemas allow any extra
// property, so `readinesProbe:` or `runAsNonroot:` would pass them and be
// dropped by the API server without a word. Here each object the manifests
// use is checked against the fields its schema names (read from the
// validators kubernetes-models ships, one file per schema), from the top of
// each kind down through the parts the map below lists; maps of free keys
// (labels, data, matchLabels) are never descended into.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const MODELS = dirname(require.resolve('kubernetes-models/package.json'));
// ObjectMeta comes from the package kubernetes-models itself depends on.
const MACHINERY = dirname(
  createRequire(join(MODELS, 'package.json')).resolve(
    '@kubernetes-models/apimachinery/package.json',
  ),
);

/** Schema → its fields that hold another schema's object (or a list of them: `[name]`). */
const CHILDREN: Record<string, Record<string, string>> = {
  AppsV1Deployment: { metadata: 'ObjectMeta', spec: 'AppsV1DeploymentSpec' },
  AppsV1DeploymentSpec: { template: 'CoreV1PodTemplateSpec', strategy: 'AppsV1DeploymentStrategy' },
  AppsV1DeploymentStrategy: { rollingUpdate: 'AppsV1RollingUpdateDeployment' },
  BatchV1Job: { metadata: 'ObjectMeta', spec: 'BatchV1JobSpec' },
  BatchV1JobSpec: { template: 'CoreV1PodTemplateSpec' },
  CoreV1PodTemplateSpec: { metadata: 'ObjectMeta', spec: 'CoreV1PodSpec' },
  CoreV1PodSpec: {
    containers: '[CoreV1Container]',
    securityContext: 'CoreV1PodSecurityContext',
    volumes: '[CoreV1Volume]',
    topologySpreadConstraints: '[CoreV1TopologySpreadConstraint]',
  },
  CoreV1PodSecurityContext: { seccompProfile: 'CoreV1SeccompProfile' },
  CoreV1Container: {
    ports: '[CoreV1ContainerPort]',
    envFrom: '[CoreV1EnvFromSource]',
    startupProbe: 'CoreV1Probe',
    readinessProbe: 'CoreV1Probe',
    livenessProbe: 'CoreV1Probe',
    lifecycle: 'CoreV1Lifecycle',
    resources: 'CoreV1ResourceRequirements',
    securityContext: 'CoreV1SecurityContext',
    volumeMounts: '[CoreV1VolumeMount]',
  },
  CoreV1EnvFromSource: { configMapRef: 'CoreV1ConfigMapEnvSource' },
  CoreV1Probe: { httpGet: 'CoreV1HTTPGetAction', tcpSocket: 'CoreV1TCPSocketAction' },
  CoreV1Lifecycle: { preStop: 'CoreV1LifecycleHandler' },
  CoreV1LifecycleHandler: { sleep: 'CoreV1SleepAction' },
  CoreV1SecurityContext: {
    capabilities: 'CoreV1Capabilities',
    seccompProfile: 'CoreV1SeccompProfile',
  },
  CoreV1Volume: { secret: 'CoreV1SecretVolumeSource', emptyDir: 'CoreV1EmptyDirVolumeSource' },
  CoreV1Service: { metadata: 'ObjectMeta', spec: 'CoreV1ServiceSpec' },
  CoreV1ServiceSpec: { ports: '[CoreV1ServicePort]' },
  CoreV1ServiceAccount: { metadata: 'ObjectMeta' },
  CoreV1ConfigMap: { metadata: 'ObjectMeta' },
  CoreV1Secret: { metadata: 'ObjectMeta' },
  AutoscalingV2HorizontalPodAutoscaler: {
    metadata: 'ObjectMeta',
    spec: 'AutoscalingV2HorizontalPodAutoscalerSpec',
  },
  AutoscalingV2HorizontalPodAutoscalerSpec: {
    scaleTargetRef: 'AutoscalingV2CrossVersionObjectReference',
    metrics: '[AutoscalingV2MetricSpec]',
    behavior: 'AutoscalingV2HorizontalPodAutoscalerBehavior',
  },
  AutoscalingV2MetricSpec: { resource: 'AutoscalingV2ResourceMetricSource' },
  AutoscalingV2ResourceMetricSource: { target: 'AutoscalingV2MetricTarget' },
  AutoscalingV2HorizontalPodAutoscalerBehavior: {
    scaleDown: 'AutoscalingV2HPAScalingRules',
    scaleUp: 'AutoscalingV2HPAScalingRules',
  },
  AutoscalingV2HPAScalingRules: { policies: '[AutoscalingV2HPAScalingPolicy]' },
  PolicyV1PodDisruptionBudget: { metadata: 'ObjectMeta', spec: 'PolicyV1PodDisruptionBudgetSpec' },
  NetworkingV1NetworkPolicy: { metadata: 'ObjectMeta', spec: 'NetworkingV1NetworkPolicySpec' },
  NetworkingV1NetworkPolicySpec: {
    ingress: '[NetworkingV1NetworkPolicyIngressRule]',
    egress: '[NetworkingV1NetworkPolicyEgressRule]',
  },
  NetworkingV1NetworkPolicyIngressRule: {
    from: '[NetworkingV1NetworkPolicyPeer]',
    ports: '[NetworkingV1NetworkPolicyPort]',
  },
  NetworkingV1NetworkPolicyEgressRule: {
    to: '[NetworkingV1NetworkPolicyPeer]',
    ports: '[NetworkingV1NetworkPolicyPort]',
  },
  NetworkingV1NetworkPolicyPeer: { ipBlock: 'NetworkingV1IPBlock' },
};

const fieldCache = new Map<string, Set<string>>();

/** The fields a schema's validator reads (`data.<field>`): every property the schema defines. */
function fieldsOf(schema: string): Set<string> {
  let fields = fieldCache.get(schema);
  if (fields === undefined) {
    const file =
      schema === 'ObjectMeta'
        ? join(MACHINERY, '_schemas', 'IoK8sApimachineryPkgApisMetaV1ObjectMeta.js')
        : join(MODELS, '_schemas', `IoK8sApi${schema}.js`);
    const source = readFileSync(file, 'utf8');
    fields = new Set([...source.matchAll(/\bdata\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
    fieldCache.set(schema, fields);
  }
  return fields;
}

/** `apps/v1` + `Deployment` → `AppsV1Deployment`; `v1` + `Service` → `CoreV1Service`. */
export function schemaOfKind(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const name = group!.split('.')[0]!;
  const capital = (text: string) => text[0]!.toUpperCase() + text.slice(1);
  return `${capital(name)}${capital(version!)}${kind}`;
}

/** Paths (`spec.template.spec.containers[0].readinesProbe`) of fields their schema does not define. */
export function unknownFields(value: unknown, schema: string, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => unknownFields(item, schema, `${path}[${index}]`));
  }
  const known = fieldsOf(schema);
  const children = CHILDREN[schema] ?? {};
  return Object.entries(value).flatMap(([field, child]) => {
    const where = path === '' ? field : `${path}.${field}`;
    if (!known.has(field)) return [where];
    const childSchema = children[field]?.replace(/^\[(.*)\]$/, '$1');
    return childSchema === undefined ? [] : unknownFields(child, childSchema, where);
  });
}
