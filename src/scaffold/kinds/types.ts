import type { ScaffoldConfig } from '../../linter/config.js';
import type { ChangeSet } from '../changes.js';
import type { TaskNames } from '../names.js';
import type { ProjectInfo } from '../project.js';

/** What every kind's planner gets: the detected project, init's choices, the names, and the pending writes. */
export interface TaskContext {
  project: ProjectInfo;
  config: ScaffoldConfig;
  names: TaskNames;
  changes: ChangeSet;
}

/** What a planner tells the command besides the files it planned. */
export interface PlanOutcome {
  /** Runtime packages the generated code imports (installed by `init`; listed as a hint by `add-task` when missing). */
  dependencies: string[];
  /** Tools the generated scripts run (tsx for the worker script), added as devDependencies. */
  devDependencies?: string[];
  /** Lines for the user: how to use what was generated. */
  nextSteps: string[];
}
