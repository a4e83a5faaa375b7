export * from './contract.ts';
export * from './contract-data.ts';
export * from './plugin-kit.ts';
