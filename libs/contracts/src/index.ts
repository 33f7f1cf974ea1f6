export * from './topics';
export * from './primitives';
export * from './events';
export * from './parse';
export * from './http';
