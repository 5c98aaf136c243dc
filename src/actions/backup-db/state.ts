/** The state key (core.saveState) under which main.ts leaves the run folder for post.ts. */
export const RUN_DIR_STATE = 'run-dir';
