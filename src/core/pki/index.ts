// SMKI PKI for s1mig: Organisation Certificates (TMAD 2, 3.16), Table 5.5 roles, Confirm Validity
// (TMAD 5.9.4, 5.10.5–5.10.7), and a test PKI. Pure modules: roles, certificate, validity, issue.
// Pure: no file I/O (the trust-store and key loaders are in src/files, the test PKI in src/estate).
export * from './roles.js';
export * from './certificate.js';
export * from './validity.js';
export * from './issue.js';
