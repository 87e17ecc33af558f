// TMAD section 11: file content encryption and decryption (node:crypto only).
export * from '../../lib/crypto/errors.js';
export * from '../../lib/crypto/base64.js';
export * from '../../lib/crypto/oaep.js';
export * from './group-information.js';
export * from './master-key.js';
export * from '../../lib/crypto/key-wrap.js';
