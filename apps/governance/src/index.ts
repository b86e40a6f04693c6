export * from './governance.module';
export { loadGovernanceConfig, type GovernanceConfig } from './config';
export { CATALOG, type CatalogEntry } from './catalog/catalog';
export { buildOpenApiDocument } from './openapi/openapi.document';
export { DemoSeeder } from './demo/demo-seeder.service';
