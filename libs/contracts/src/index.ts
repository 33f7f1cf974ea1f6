export * from './topics.js';
export * from './primitives.js';
export * from './events.js';
export * from './parse.js';
export * from './http.js';
