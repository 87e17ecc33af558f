// Reference data (issue #11): the registries, their CSV format, the look-up rules and the read
// interface the parties use. Pure: the store keeps the rows.
export * from './columns.js';
export * from './registries.js';
export * from './csv.js';
export * from './certificates.js';
export * from './rules.js';
export * from './reference-data.js';
