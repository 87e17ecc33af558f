export * from './tables.js';
export * from './repository.js';
