// SMKI PKI for s1mig: Organisation Certificates (TMAD 2, 3.16), Table 5.5 roles, Confirm Validity
// (TMAD 5.9.4, 5.10.5–5.10.7), and a test PKI. Pure modules: roles, certificate, validity, issue.
// File I/O lives only in trust-store-loader.ts and test-pki.ts (re-exported here for convenience).
export * from './roles.js';
export * from './certificate.js';
export * from './validity.js';
export * from './issue.js';
export * from './trust-store-loader.js';
export * from './test-pki.js';
