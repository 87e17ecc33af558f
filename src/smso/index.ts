// The SMETS1 SMSO party (TMAD 4.21, 4.24A, 4.44B, 11): its inventory of installations and their key
// material (sealed at rest), and its output to the Requesting Party — the TMAD 11 ciphertexts, and the
// plaintext for GroupIDs EB and EC only (TMAD 11.1). docs/SMSO.md describes the files.
export * from './inventory.js';
export * from './key-material.js';
export * from './encrypt.js';
