export * from './environment';
export * from './processes';
export * from './kafka-broker';
