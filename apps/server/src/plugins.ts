import type { TrailmarkPlugin } from '@trailmark/core';
import { exportPlugin, ocsfExportPlugin } from '@trailmark/plugin-export';
import { centralConfigSource } from '@trailmark/plugin-source-central-config';
import { fileTransferSource } from '@trailmark/plugin-source-file-transfer';
import { generationBillingSource } from '@trailmark/plugin-source-generation-billing';
import { mediaLibrarySource } from '@trailmark/plugin-source-media-library';
import { slackStream } from '@trailmark/plugin-stream-slack';
import { splunkHecStream } from '@trailmark/plugin-stream-splunk-hec';
import { syslogStream } from '@trailmark/plugin-stream-syslog';
import { webhookStream } from '@trailmark/plugin-stream-webhook';
import { trailmarkSource } from './system-source.ts';

/** The plugin list of a default Trailmark instance, in order. Add your own source plugin here. */
export const defaultPlugins: TrailmarkPlugin[] = [
  trailmarkSource,
  centralConfigSource,
  mediaLibrarySource,
  generationBillingSource,
  fileTransferSource,
  exportPlugin,
  ocsfExportPlugin,
  webhookStream,
  slackStream,
  splunkHecStream,
  syslogStream,
];
