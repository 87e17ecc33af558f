// The S1SP's commissioning of S1SP Viable Installations (TMAD 5.27; docs/S1SP-COMMISSIONING.md).
export * from './commissioner.js';
export * from './key-store.js';
export { StepFailure, TableCheckFailure, type StepContext } from './context.js';
