import { defineSourcePlugin } from '@trailmark/core';
import { generationBillingDemo } from './demo.ts';
import { mapGenerationBillingEvent } from './mapper.ts';
import { generationBillingNativeSchema } from './native.ts';
import { generationBillingActions, generationBillingFields, generationBillingInfo } from './plugin.ts';

export const generationBillingSource = defineSourcePlugin({
  ...generationBillingInfo,
  actions: generationBillingActions,
  fields: generationBillingFields,
  nativeSchema: generationBillingNativeSchema,
  map: mapGenerationBillingEvent,
  demo: generationBillingDemo,
});

export { generationBillingDemo } from './demo.ts';
export { type GenerationBillingFixtureName, generationBillingFixtures } from './fixtures.ts';
export { generationBillingEventId, mapGenerationBillingEvent } from './mapper.ts';
export * from './native.ts';
export * from './plugin.ts';
