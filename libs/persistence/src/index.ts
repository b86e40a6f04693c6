export * from './feature';
export * from './data-source';
export * from './embedded-database';
