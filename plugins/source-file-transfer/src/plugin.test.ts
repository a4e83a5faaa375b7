import { runSourcePluginTests } from '@trailmark/test-utils';
import { fileTransferFixtures } from './fixtures.ts';
import { fileTransferSource } from './index.ts';

runSourcePluginTests(fileTransferSource, fileTransferFixtures);
