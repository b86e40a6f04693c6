export * from './governance.module';
