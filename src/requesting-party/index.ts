// The Requesting Party (TMAD 4.16-4.48, 5.6, 5.8, 10.2): gates, MCF building, signed MCF files.
export * from './gates.js';
export * from './mcf-builder.js';
export * from './mcf-files.js';
export * from './mcf-run.js';
