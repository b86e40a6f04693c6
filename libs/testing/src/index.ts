export * from './environment';
export * from './processes';
