import { defineSourcePlugin } from '@trailmark/core';
import { fileTransferDemo } from './demo.ts';
import { mapFileTransferEvent } from './mapper.ts';
import { fileTransferNativeSchema } from './native.ts';
import { fileTransferActions, fileTransferFields, fileTransferInfo } from './plugin.ts';

export const fileTransferSource = defineSourcePlugin({
  ...fileTransferInfo,
  actions: fileTransferActions,
  fields: fileTransferFields,
  nativeSchema: fileTransferNativeSchema,
  map: mapFileTransferEvent,
  demo: fileTransferDemo,
});

export { fileTransferDemo } from './demo.ts';
export { type FileTransferFixtureName, fileTransferFixtures } from './fixtures.ts';
export { fileTransferEventId, mapFileTransferEvent } from './mapper.ts';
export * from './native.ts';
export * from './plugin.ts';
