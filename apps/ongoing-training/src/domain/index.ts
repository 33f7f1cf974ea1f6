export * from './decision';
export * from './errors';
export * from './instant';
export * from './pair-state';
export * from './pair-view';
export * from './rate';
export * from './renewal-input';
export * from './renewal-policy';
