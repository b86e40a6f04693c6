export * from './introspection';
export * from './admin.guard';
