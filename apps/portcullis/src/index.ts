export * from './embedded';
export * from './embedded-config';
