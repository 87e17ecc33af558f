// The SMSO's files (docs/SMSO.md): inventory CSV, key-material CSV, the TMAD 5.1(a) group key notice and
// the SMSO → Requesting Party hand-over file.
export * from './csv.js';
export * from './inventory.js';
export * from './key-material.js';
export * from './group-key.js';
export * from './handover.js';
