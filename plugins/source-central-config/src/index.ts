import { defineSourcePlugin } from '@trailmark/core';
import { centralConfigDemo } from './demo.ts';
import { mapCentralConfigEvent } from './mapper.ts';
import { centralConfigNativeSchema } from './native.ts';
import { centralConfigActions, centralConfigFields, centralConfigInfo } from './plugin.ts';

export const centralConfigSource = defineSourcePlugin({
  ...centralConfigInfo,
  actions: centralConfigActions,
  fields: centralConfigFields,
  nativeSchema: centralConfigNativeSchema,
  map: mapCentralConfigEvent,
  demo: centralConfigDemo,
});

export { centralConfigDemo } from './demo.ts';
export { type CentralConfigFixtureName, centralConfigFixtures } from './fixtures.ts';
export { centralConfigEventId, mapCentralConfigEvent } from './mapper.ts';
export * from './native.ts';
export * from './plugin.ts';
