// Kong Ingress Controller in the plan (issue 16): the controller's version against Kong's
// compatibility table for both ends of the upgrade, and the Ingress / HTTPRoute regex paths as
// the controller hands them to Kong 3.x (its `/~` marker, konghq.com/regex-prefix, the legacy
// heuristic of IngressClassParameters, HTTPRoute RegularExpression matches).
import { describe, expect, it } from 'vitest';
import { declarativeEntities } from '../../src/changelog/impact/entities.js';
import { analyzeImpact, type Impact } from '../../src/changelog/impact/index.js';
import { parseKongVersion } from '../../src/version/kong-version.js';

const plan = (from: string, to: string, text: string): Impact[] =>
  analyzeImpact({ from: parseKongVersion(from), to: parseKongVersion(to), declarative: [{ file: 'k8s.yaml', text }] });
const rules = (found: Impact[], rule: string) => found.filter((impact) => impact.rule === rule);

/** A Deployment as `helm template` renders the chart's: the controller beside the proxy. */
const deployment = (controllerImage: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kong-kong
spec:
  template:
    spec:
      containers:
        - name: ingress-controller
          image: ${controllerImage}
        - name: proxy
          image: kong:3.4
`;

describe('kic-compatibility', () => {
  it('a controller the target does not run with is an error naming the versions to upgrade it to first', () => {
    const [finding, ...rest] = rules(plan('2.8.4', '3.4.2', deployment('kong/kubernetes-ingress-controller:2.8.1')), 'kic-compatibility');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      severity: 'error',
      title: 'KIC 2.8 does not run with Kong Gateway 3.4',
      where: 'k8s.yaml:1 (Deployment kong-kong, container ingress-controller)',
      remedy: 'Upgrade the controller to KIC 2.12 before the gateway: it runs with Kong Gateway 2.8 and 3.4.',
    });
    expect(finding!.detail).toContain('https://developer.konghq.com/kubernetes-ingress-controller/version-compatibility/');
  });

  it('the chart\'s major.minor tag inside the table is fine; a registry with a port and a v tag are read', () => {
    expect(rules(plan('3.4.2', '3.10.0', deployment('kong/kubernetes-ingress-controller:3.4')), 'kic-compatibility')).toEqual([]);
    expect(rules(plan('3.4.2', '3.10.0', deployment('registry.local:5000/kong/kubernetes-ingress-controller:v3.1.2')), 'kic-compatibility')).toEqual([]);
    expect(rules(plan('3.4.2', '3.10.0', deployment('registry.local:5000/kong/kubernetes-ingress-controller:2.11.1')), 'kic-compatibility')).toMatchObject([
      { severity: 'error', title: 'KIC 2.11 does not run with Kong Gateway 3.10', remedy: expect.stringContaining('KIC 2.12 or 3.0 or 3.1 or 3.2 or 3.3 or 3.4 or 3.5 before the gateway') },
    ]);
  });

  it('a controller fit for the target but not for the current gateway, one newer than the table, a target the table lacks, a digest: warnings', () => {
    expect(rules(plan('2.8.4', '3.4.2', deployment('kong/kubernetes-ingress-controller:3.0.3')), 'kic-compatibility')).toMatchObject([
      { severity: 'warning', title: 'KIC 3.0 with Kong Gateway 2.8 is already outside Kong\'s compatibility table' },
    ]);
    expect(rules(plan('3.4.2', '3.10.0', deployment('kong/kubernetes-ingress-controller:3.9.0')), 'kic-compatibility')).toMatchObject([
      { severity: 'warning', title: 'KIC 3.9 is newer than Kong\'s compatibility table' },
    ]);
    expect(rules(plan('3.4.2', '3.13.0', deployment('kong/kubernetes-ingress-controller:3.5')), 'kic-compatibility')).toMatchObject([
      { severity: 'warning', title: 'Kong\'s compatibility table does not list Kong Gateway 3.13' },
    ]);
    expect(rules(plan('3.4.2', '3.10.0', deployment('kong/kubernetes-ingress-controller@sha256:0123abcd')), 'kic-compatibility')).toMatchObject([
      { severity: 'warning', title: 'Kong Ingress Controller image "kong/kubernetes-ingress-controller@sha256:0123abcd" names no version' },
    ]);
  });

  it('kubectl get -o yaml output (a List) is read; a file with only the controller is accepted, one without it is refused', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${deployment('kong/kubernetes-ingress-controller:2.10.4').replace(/^/gm, '  ').replace(/^  apiVersion/, '- apiVersion')}`;
    expect(declarativeEntities('list.yaml', list).controllers).toEqual([{ where: 'list.yaml:1 (Deployment kong-kong, container ingress-controller)', image: 'kong/kubernetes-ingress-controller:2.10.4', version: '2.10' }]);
    expect(rules(plan('3.4.2', '3.6.1', list), 'kic-compatibility')).toMatchObject([{ severity: 'error', title: 'KIC 2.10 does not run with Kong Gateway 3.6' }]);
    expect(() => declarativeEntities('web.yaml', deployment('nginx:1.27').replace('ingress-controller', 'web'))).toThrow(/with no Kong Ingress Controller kind .* no ingress controller Deployment/);
  });
});

const ingress = (path: string, annotations = '', className = 'kong') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
${annotations === '' ? '' : `  annotations:\n    ${annotations}\n`}spec:
  ingressClassName: ${className}
  rules:
    - http:
        paths:
          - path: ${path}
            pathType: ImplementationSpecific
            backend: {service: {name: shop, port: {number: 80}}}
`;

const legacyClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: kong
spec:
  controller: ingress-controllers.konghq.com/kong
  parameters:
    apiGroup: configuration.konghq.com
    kind: IngressClassParameters
    name: kong-params
    namespace: kong
    scope: Namespace
---
apiVersion: configuration.konghq.com/v1alpha1
kind: IngressClassParameters
metadata:
  name: kong-params
  namespace: kong
spec:
  enableLegacyRegexDetection: true
`;

describe('Ingress regex paths on the way to 3.x', () => {
  it('a regex-looking path without the controller\'s marker is listed with the /~ form to write', () => {
    const found = rules(plan('2.8.4', '3.4.2', ingress('/shop/item/\\d+')), 'route-regex-prefix');
    expect(found).toMatchObject([{ severity: 'warning', title: 'Ingress path looks like a regex: Kong 3.x matches it as plain text', where: 'k8s.yaml:10' }]);
    expect(found[0]!.remedy).toContain('Write the path as "/~/shop/item/\\d+"');
    expect(found[0]!.remedy).toContain('enableLegacyRegexDetection');
  });

  it('a path already written /~ (or with the Ingress\'s own konghq.com/regex-prefix) is in the 3.x form: not listed, but its regex still meets the 3.x engine', () => {
    expect(rules(plan('2.8.4', '3.4.2', ingress('/~/shop/item/\\d+')), 'route-regex-prefix')).toEqual([]);
    expect(rules(plan('2.8.4', '3.4.2', ingress('/@/shop/item/\\d+', 'konghq.com/regex-prefix: /@')), 'route-regex-prefix')).toEqual([]);
    // With another marker, /~ is no marker at all.
    expect(rules(plan('2.8.4', '3.4.2', ingress('/~/shop/item/\\d+', 'konghq.com/regex-prefix: /@')), 'route-regex-prefix')).toHaveLength(1);
    expect(rules(plan('2.8.4', '3.4.2', ingress('/~/shop/(?!admin)')), 'route-regex-engine')).toMatchObject([{ severity: 'error', where: 'k8s.yaml:10' }]);
  });

  it('the legacy heuristic of the class\'s IngressClassParameters is named, and only for that class', () => {
    const found = rules(plan('2.8.4', '3.4.2', `${legacyClass}---\n${ingress('/shop/item/\\d+')}`), 'route-regex-prefix');
    expect(found).toMatchObject([{ title: 'Ingress regex path relies on the controller\'s legacy regex heuristic' }]);
    expect(found[0]!.detail).toContain('k8s.yaml:14 (IngressClassParameters kong-params of IngressClass kong)');
    const other = rules(plan('2.8.4', '3.4.2', `${legacyClass}---\n${ingress('/shop/item/\\d+', '', 'internal')}`), 'route-regex-prefix');
    expect(other).toMatchObject([{ title: 'Ingress path looks like a regex: Kong 3.x matches it as plain text' }]);
  });

  it('no finding when the upgrade stays on 3.x', () => {
    expect(rules(plan('3.4.2', '3.10.0', ingress('/shop/item/\\d+')), 'route-regex-prefix')).toEqual([]);
  });
});

describe('HTTPRoute regex paths', () => {
  const httpRoute = (value: string, type = 'RegularExpression') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: api
spec:
  rules:
    - matches:
        - path: {type: PathPrefix, value: /status}
        - path: {type: ${type}, value: '${value}'}
      backendRefs: [{name: api, port: 80}]
`;

  it('a RegularExpression match needs no ~ (the controller adds it) but its pattern meets the 3.x engine', () => {
    expect(rules(plan('2.8.4', '3.4.2', httpRoute('/api/v[0-9]+')), 'route-regex-prefix')).toEqual([]);
    expect(rules(plan('2.8.4', '3.4.2', httpRoute('/api/v[0-9]+')), 'route-regex-engine')).toEqual([]);
    expect(rules(plan('2.8.4', '3.4.2', httpRoute('/api/(?<=v)1')), 'route-regex-engine')).toMatchObject([{ severity: 'error', where: 'k8s.yaml:9', detail: expect.stringContaining('HTTPRoute api') }]);
  });

  it('only RegularExpression matches are regex paths', () => {
    expect(declarativeEntities('r.yaml', httpRoute('/x.*', 'PathPrefix')).routes).toEqual([]);
    expect(declarativeEntities('r.yaml', httpRoute('/x.*')).routes.map((route) => route.paths)).toEqual([[{ path: '~/x.*', where: 'r.yaml:9' }]]);
  });
});
