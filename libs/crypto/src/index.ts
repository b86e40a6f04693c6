export * from './service-token';
export * from './envelope';
export * from './hash';
