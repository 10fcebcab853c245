// deploy/k8s: every object is valid against the upstream Kubernetes schema
// of its kind, and the manifests hold this service's rules — every container
// probed, bounded and locked down; the web pods' preStop sleep equal to the
// configured drain delay and the grace period above the whole shutdown; the
// configuration a production start accepts, with secrets as mounted files
// (`*_FILE`), so a renamed setting fails here; and the objects wired to each
// other (selectors, ports, names) as they must be.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeComposeSecrets } from '../../scripts/compose-secrets.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { imageEnvironment, readRepoFile, ROOT, unknownVariables } from '../support/deploy.ts';
import { dockerContextIncludes } from '../support/dockerfile.ts';
import { schemaOfKind, unknownFields } from '../support/k8s-fields.ts';
import {
  K8S_DIR,
  podTemplate,
  readManifests,
  selects,
  validateAgainstSchema,
  type Container,
  type K8sObject,
  type PodTemplate,
} from '../support/k8s.ts';

const manifests = readManifests();
const objects = manifests.map((manifest) => manifest.object);
const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
const named = (kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);
const pods = objects.flatMap((object) => {
  const template = podTemplate(object);
  return template === undefined ? [] : [{ owner: object, template }];
});
const deployments = pods.filter(({ owner }) => owner.kind === 'Deployment');
const pkg = JSON.parse(readRepoFile('package.json')) as { version: string };

const configMap = named('ConfigMap', 'throughline-config') as K8sObject & {
  data: Record<string, string>;
};
const exampleSecret = named('Secret', 'throughline-secrets') as K8sObject & {
  stringData: Record<string, string>;
};

function web(): { owner: K8sObject; template: PodTemplate; container: Container } {
  const found = deployments.find(({ owner }) => owner.metadata.name === 'throughline-web')!;
  return { ...found, container: found.template.spec.containers[0]! };
}

describe('Kubernetes manifests', () => {
  const secretsDir = mkdtempSync(join(tmpdir(), 'k8s-secrets-'));
  /** The environment each container starts with: the image's, then its ConfigMaps', then its own. */
  function environmentOf(container: Container): Record<string, string> {
    const env: Record<string, string> = { ...imageEnvironment() };
    for (const source of container.envFrom ?? []) {
      const map = named('ConfigMap', source.configMapRef?.name ?? '') as typeof configMap;
      assert.ok(map, `${container.name}: ConfigMap ${source.configMapRef?.name}`);
      Object.assign(env, map.data);
    }
    for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
    return env;
  }
  /** That environment loaded by the service, secrets read from files like the mounted ones. */
  function configOf(container: Container): Config {
    const env = environmentOf(container);
    for (const [name, value] of Object.entries(env)) {
      const key = /^\/var\/run\/secrets\/throughline\/(.+)$/.exec(value)?.[1];
      if (key !== undefined) env[name] = join(secretsDir, key);
    }
    return loadConfig({ argv: [], env, cwd: secretsDir });
  }

  before(async () => {
    await writeComposeSecrets(secretsDir);
    writeFileSync(join(secretsDir, 'redis_url'), 'redis://redis.example.internal:6379\n');
  });
  after(() => {
    rmSync(secretsDir, { recursive: true, force: true });
  });

  test('are valid against the Kubernetes schemas of their kinds', async () => {
    const checked = objects.filter((object) => object.kind !== 'Kustomization');
    assert.ok(checked.length >= 12, `found ${checked.length} objects`);
    for (const object of checked) {
      await assert.doesNotReject(
        validateAgainstSchema(object),
        `${object.kind} ${object.metadata.name}`,
      );
    }
  });

  test('use no field their schema does not define (a misspelt one would be dropped silently)', () => {
    for (const object of objects.filter((o) => o.kind !== 'Kustomization')) {
      const schema = schemaOfKind(object.apiVersion, object.kind);
      assert.deepEqual(unknownFields(object, schema), [], `${object.kind} ${object.metadata.name}`);
    }
  });

  test('are each listed by a kustomization, which tags the image with the release version', () => {
    const listed = new Set<string>();
    for (const { file, object } of manifests.filter((m) => m.object.kind === 'Kustomization')) {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
      const kustomization = object as K8sObject & {
        resources: string[];
        images: { name: string; newTag: string }[];
      };
      for (const resource of kustomization.resources) {
        assert.ok(existsSync(new URL(`${K8S_DIR}/${dir}${resource}`, ROOT)), resource);
        listed.add(`${dir}${resource}`);
      }
      assert.deepEqual(kustomization.images, [{ name: 'throughline', newTag: pkg.version }]);
    }
    const files = new Set(manifests.map((m) => m.file));
    for (const file of files) {
      if (file.endsWith('kustomization.yaml') || file.endsWith('.example.yaml')) continue;
      assert.ok(listed.has(file), `${file} is in a kustomization`);
    }
  });

  test('probe every long-running container, on ports it declares', () => {
    for (const { owner, template } of deployments) {
      for (const container of template.spec.containers) {
        const where = `${owner.metadata.name}/${container.name}`;
        const ports = new Set(container.ports?.map((port) => port.name));
        for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
          const probe = container[kind];
          assert.ok(probe, `${where}: ${kind}`);
          const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
          assert.ok(typeof port === 'string' && ports.has(port), `${where}: ${kind} port`);
        }
      }
    }
    // An HTTP answer, not an accepted connection: the kernel accepts for a stuck event loop too.
    for (const { owner, template } of deployments) {
      const container = template.spec.containers[0]!;
      const where = owner.metadata.name;
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz', where);
      assert.equal(container.livenessProbe?.httpGet?.path, '/livez', where);
      assert.equal(container.startupProbe?.httpGet?.path, '/livez', where);
    }
  });

  test('bound every container and lock it down', () => {
    assert.ok(pods.length >= 3, 'web, worker and migrate');
    for (const { owner, template } of pods) {
      const pod = template.spec;
      assert.equal(pod.automountServiceAccountToken, false, owner.metadata.name);
      for (const container of pod.containers) {
        const where = `${owner.metadata.name}/${container.name}`;
        for (const kind of ['requests', 'limits'] as const) {
          for (const resource of ['cpu', 'memory']) {
            assert.ok(container.resources?.[kind]?.[resource], `${where}: ${kind}.${resource}`);
          }
        }
        const effective = { ...pod.securityContext, ...container.securityContext };
        assert.equal(effective.runAsNonRoot, true, `${where}: runAsNonRoot`);
        assert.equal(effective.allowPrivilegeEscalation, false, `${where}: no escalation`);
        assert.equal(effective.readOnlyRootFilesystem, true, `${where}: read-only root`);
        assert.deepEqual(effective.capabilities?.drop, ['ALL'], `${where}: drops ALL`);
        assert.equal(effective.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`);
        // A read-only root still needs a writable /tmp (the compile cache).
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
        const tmpVolume = pod.volumes?.find((volume) => volume.name === tmp?.name);
        assert.ok(tmpVolume?.emptyDir, `${where}: /tmp is an emptyDir`);
        assert.equal(container.image, 'throughline', `${where}: the kustomization's image`);
        const script = container.args?.[0] ?? '';
        assert.ok(existsSync(new URL(script, ROOT)), `${where}: ${script} exists`);
        assert.ok(
          dockerContextIncludes(readRepoFile('.dockerignore'), script),
          `${where}: in image`,
        );
      }
    }
  });

  test("hold the web pods' preStop sleep to the drain delay, and the grace period above the shutdown", () => {
    const { template, container } = web();
    const config = configOf(container);
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    assert.ok(config.shutdown.drainDelayMs > 0, 'a drain delay is configured');
    assert.equal(
      preStopMs,
      config.shutdown.drainDelayMs,
      'preStop sleep = SHUTDOWN_DRAIN_DELAY_MS',
    );
    for (const { owner, template: pod } of deployments) {
      const { drainDelayMs, graceMs, closeTimeoutMs } = configOf(pod.spec.containers[0]!).shutdown;
      const preStop = (pod.spec.containers[0]!.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
      const budget = preStop + drainDelayMs + graceMs + closeTimeoutMs;
      const grace = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(grace > budget, `${owner.metadata.name}: ${grace} ms > ${budget} ms`);
    }
    assert.ok(template.spec.terminationGracePeriodSeconds);
  });

  test('configure a production start, with every secret a mounted file', () => {
    assert.deepEqual(unknownVariables(Object.keys(configMap.data)), [], 'unknown variables');
    // And no key of the Secret goes unread.
    const read = Object.values(configMap.data).map((value) => value.split('/').at(-1));
    for (const key of Object.keys(exampleSecret.stringData)) assert.ok(read.includes(key), key);
    for (const { owner, template } of pods) {
      for (const container of template.spec.containers) {
        const where = `${owner.metadata.name}/${container.name}`;
        const env = environmentOf(container);
        assert.deepEqual(unknownVariables(Object.keys(env)), [], `${where}: unknown variables`);
        for (const [name, value] of Object.entries(env)) {
          if (!name.endsWith('_FILE')) continue;
          const mount = container.volumeMounts?.find((m) => value.startsWith(`${m.mountPath}/`));
          const volume = template.spec.volumes?.find((v) => v.name === mount?.name);
          assert.equal(volume?.secret?.secretName, 'throughline-secrets', `${where}: ${name}`);
          assert.equal(mount?.readOnly, true, `${where}: secrets mounted read-only`);
          const key = value.slice(mount.mountPath.length + 1);
          assert.ok(key in exampleSecret.stringData, `${where}: the Secret has ${key}`);
        }
        const config = configOf(container);
        assert.equal(config.nodeEnv, 'production', where);
        assert.ok(config.database.url?.startsWith('postgres://'), `${where}: PostgreSQL`);
        assert.ok(config.redis.url !== undefined, `${where}: Redis`);
      }
    }
    const ports = (name: string) =>
      deployments
        .find(({ owner }) => owner.metadata.name === name)!
        .template.spec.containers[0]!.ports!.map((port) => port.containerPort);
    const { container } = web();
    assert.deepEqual(ports('throughline-web'), [configOf(container).http.port]);
    assert.equal(configOf(container).workers.mode, 'off', 'jobs run in the worker pods');
    assert.deepEqual(ports('throughline-worker'), [configOf(container).metrics.workerPort]);
  });

  test('wire Service, autoscalers, disruption budgets and network policies to the pods', () => {
    const labelsOf = (name: string) =>
      pods.find(({ owner }) => owner.metadata.name === name)!.template.metadata.labels;
    const service = named('Service', 'throughline-web') as K8sObject & {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    assert.ok(selects({ matchLabels: service.spec.selector }, labelsOf('throughline-web')));
    const webPorts = web().container.ports!.map((port) => port.name);
    for (const port of service.spec.ports) assert.ok(webPorts.includes(port.targetPort));

    for (const hpa of byKind('HorizontalPodAutoscaler')) {
      const spec = hpa.spec as {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
      };
      const target = named(spec.scaleTargetRef.kind, spec.scaleTargetRef.name);
      assert.ok(target, `${hpa.metadata.name} scales something that exists`);
      assert.equal(
        (target.spec as { replicas?: number }).replicas,
        undefined,
        "replicas are the HPA's",
      );
    }
    const webHpa = named('HorizontalPodAutoscaler', 'throughline-web')!.spec as {
      minReplicas: number;
    };
    assert.ok(webHpa.minReplicas >= 2, 'two web pods at least');

    for (const pdb of byKind('PodDisruptionBudget')) {
      const spec = pdb.spec as {
        selector: { matchLabels: Record<string, string> };
        maxUnavailable?: number;
      };
      assert.ok(
        pods.some(({ template }) => selects(spec.selector, template.metadata.labels)),
        pdb.metadata.name,
      );
      assert.ok((spec.maxUnavailable ?? 0) >= 1, `${pdb.metadata.name} lets a drain proceed`);
    }

    const policies = byKind('NetworkPolicy') as (K8sObject & {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        ingress?: { ports?: { port: string | number }[] }[];
      };
    })[];
    for (const { owner, template } of pods) {
      const policy = policies.find((p) => selects(p.spec.podSelector, template.metadata.labels));
      assert.ok(policy, `${owner.metadata.name} has a network policy`);
      const declared = template.spec.containers.flatMap((c) => c.ports?.map((p) => p.name) ?? []);
      for (const port of policy.spec.ingress?.flatMap((rule) => rule.ports ?? []) ?? []) {
        assert.ok(
          declared.includes(String(port.port)),
          `${policy.metadata.name}: port ${port.port}`,
        );
      }
    }
    // Every pod reads the ConfigMap and the Secret this base and its example define.
    for (const { template } of pods) {
      for (const volume of template.spec.volumes ?? []) {
        if (volume.secret) assert.equal(volume.secret.secretName, exampleSecret.metadata.name);
      }
    }
  });

  test('hold no Secret but the example, whose values are placeholders', () => {
    const secrets = manifests.filter((manifest) => manifest.object.kind === 'Secret');
    assert.deepEqual(
      secrets.map((manifest) => manifest.file),
      ['secret.example.yaml'],
    );
    for (const [key, value] of Object.entries(exampleSecret.stringData)) {
      assert.ok(value.includes('CHANGE-ME') || value === '[]', `${key} is a placeholder`);
    }
  });
});
