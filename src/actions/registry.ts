import type { ActionSpec } from './types.js';
import { forwardAction } from './forward.js';
import { logAction } from './log.js';
import { runAction } from './run.js';

/** Every action type; adding one is a file exporting its spec and a line here. */
export const actionSpecs: readonly ActionSpec[] = [runAction, forwardAction, logAction];

/** The spec whose type key (run, forward, log) the raw action object holds. */
export function actionSpecFor(raw: object): ActionSpec | undefined {
  return actionSpecs.find((spec) => Object.hasOwn(raw, spec.type));
}
