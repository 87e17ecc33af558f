// TMAD section 11: file content encryption and decryption (node:crypto only).
export * from './errors.js';
export * from './base64.js';
export * from './oaep.js';
export * from './group-information.js';
export * from './master-key.js';
export * from './key-wrap.js';
