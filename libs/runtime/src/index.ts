export * from './platform-config';
export * from './platform';
export * from './platform.module';
export * from './instrumented-bus';
export * from './http';
export * from './service';
export * from './database';
