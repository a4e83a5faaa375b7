export * from './layout.ts';
export * from './opensearch-storage.ts';
export * from './requests.ts';
