/** The state keys (core.saveState) main.ts leaves for post.ts: the freeze record, and whether main already lifted it. */
export const FREEZE_STATE = 'freeze';
export const LIFTED_STATE = 'lifted';
