export * from './eui64.js';
export * from './mpxn.js';
export * from './certificate-id.js';
export * from './reference.js';
