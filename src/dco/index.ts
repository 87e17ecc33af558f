// The DCO party (TMAD 5.13-5.21, 5.27, 12.10.1, 15.10.1; Appendices A-C; docs/DCO.md).
export * from './dco.js';
export * from './checks.js';
export * from './keys.js';
export * from './packages.js';
export * from './timers.js';
