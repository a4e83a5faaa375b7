import { defineSourcePlugin } from '@trailmark/core';
import { mediaLibraryDemo } from './demo.ts';
import { mapMediaLibraryEvent } from './mapper.ts';
import { mediaLibraryNativeSchema } from './native.ts';
import { mediaLibraryActions, mediaLibraryFields, mediaLibraryInfo } from './plugin.ts';

export const mediaLibrarySource = defineSourcePlugin({
  ...mediaLibraryInfo,
  actions: mediaLibraryActions,
  fields: mediaLibraryFields,
  nativeSchema: mediaLibraryNativeSchema,
  map: mapMediaLibraryEvent,
  demo: mediaLibraryDemo,
});

export { mediaLibraryDemo } from './demo.ts';
export { type MediaLibraryFixtureName, mediaLibraryFixtures } from './fixtures.ts';
export { mapMediaLibraryEvent, mediaLibraryEventId } from './mapper.ts';
export * from './native.ts';
export * from './plugin.ts';
