export * from './app-processes.js';
export * from './listen.js';
export * from './random.js';
export * from './smtp-sink.js';
export * from './wait.js';
export * from './workload.js';
