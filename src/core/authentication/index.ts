export * from './authenticator.js';
export * from './file-types.js';
export * from './header.js';
export * from './stored-counters.js';
export * from './content-rules.js';
export * from './accepted-files.js';
