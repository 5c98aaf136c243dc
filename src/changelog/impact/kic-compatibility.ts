import type { KongVersion } from '../../version/kong-version.js';
import type { ControllerRef, Impact, ImpactRule } from './types.js';

/**
 * Kong's compatibility table of Kong Ingress Controller and Kong Gateway
 * (https://developer.konghq.com/kubernetes-ingress-controller/version-compatibility/, source
 * Kong/developer.konghq.com app/kubernetes-ingress-controller/version-compatibility.md at
 * 0963c02a): per gateway minor, the controller minors that run with it. The table lists the
 * controller versions Kong supports (2.12 and later); an older controller is in no row.
 */
export const KIC_COMPATIBILITY_SOURCE = 'https://developer.konghq.com/kubernetes-ingress-controller/version-compatibility/';
const ALL = ['2.12', '3.0', '3.1', '3.2', '3.3', '3.4', '3.5'];
const KIC_FOR_GATEWAY: Readonly<Record<string, readonly string[]>> = {
  '2.8': ['2.12'],
  ...Object.fromEntries(['3.4', '3.5', '3.6', '3.7', '3.8', '3.9', '3.10', '3.11', '3.12'].map((gateway) => [gateway, ALL])),
};
const NEWEST_KIC = ALL[ALL.length - 1]!;

const minorOf = (version: KongVersion) => `${version.major}.${version.minor}`;
const compareMinor = (a: string, b: string) => {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
};

/**
 * The controller (read from the Deployments given to the plan) must run with the gateway at
 * both ends of the upgrade: the old gateway until it is replaced, the new one after. A pair
 * outside the table is an error for the target; the remedy names the controller versions that
 * run with both ends, to upgrade the controller to first.
 */
export const kicCompatibility: ImpactRule = {
  id: 'kic-compatibility',
  check(context) {
    const controllers = context.entities.flatMap((set) => set.controllers ?? []);
    return controllers.flatMap((controller) => judge(controller, context.from, context.to));
  },
};

function judge(controller: ControllerRef, from: KongVersion, to: KongVersion): Impact[] {
  const base = { rule: 'kic-compatibility' as const, where: controller.where };
  const target = minorOf(to);
  const current = minorOf(from);
  const targetRow = KIC_FOR_GATEWAY[target];
  const kic = controller.version;
  if (kic === undefined) {
    return [{ ...base, severity: 'warning', title: `Kong Ingress Controller image "${controller.image}" names no version`, detail: `${controller.where}: its tag is not a version, so its compatibility with Kong Gateway ${target} cannot be checked against Kong's table (${KIC_COMPATIBILITY_SOURCE}).`, remedy: 'Pin the controller image to a version tag, then plan again.' }];
  }
  if (targetRow === undefined) {
    return [{ ...base, severity: 'warning', title: `Kong's compatibility table does not list Kong Gateway ${target}`, detail: `${controller.where}: KIC ${kic}; the table (${KIC_COMPATIBILITY_SOURCE}) lists Kong Gateway ${Object.keys(KIC_FOR_GATEWAY).join(', ')}.`, remedy: `Check the controller's release notes for Kong Gateway ${target} before upgrading.` }];
  }
  const currentRow = KIC_FOR_GATEWAY[current];
  if (targetRow.includes(kic)) {
    if (currentRow === undefined || currentRow.includes(kic)) return [];
    return [{ ...base, severity: 'warning', title: `KIC ${kic} with Kong Gateway ${current} is already outside Kong's compatibility table`, detail: `${controller.where}: Kong Gateway ${current} runs with KIC ${currentRow.join(', ')} (${KIC_COMPATIBILITY_SOURCE}); KIC ${kic} runs with ${target}, the target.`, remedy: 'Upgrade the gateway soon after this controller, or keep the controller at a version the current gateway supports until then.' }];
  }
  if (compareMinor(kic, NEWEST_KIC) > 0) {
    return [{ ...base, severity: 'warning', title: `KIC ${kic} is newer than Kong's compatibility table`, detail: `${controller.where}: the table (${KIC_COMPATIBILITY_SOURCE}) knows KIC up to ${NEWEST_KIC}.`, remedy: `Check KIC ${kic}'s release notes for Kong Gateway ${target}.` }];
  }
  // Every row of the table shares a controller version with every other (2.12), so one exists.
  const both = currentRow === undefined ? targetRow : targetRow.filter((version) => currentRow.includes(version));
  return [
    {
      ...base,
      severity: 'error',
      title: `KIC ${kic} does not run with Kong Gateway ${target}`,
      detail: `${controller.where}: image ${controller.image}. Kong's compatibility table (${KIC_COMPATIBILITY_SOURCE}) gives Kong Gateway ${target} KIC ${targetRow.join(', ')}.`,
      remedy:
        currentRow === undefined
          ? `Upgrade the controller to KIC ${both.join(' or ')} with the gateway (the table does not list Kong Gateway ${current}).`
          : `Upgrade the controller to KIC ${both.join(' or ')} before the gateway: it runs with Kong Gateway ${current} and ${target}.`,
    },
  ];
}
