import { runSourcePluginTests } from '@trailmark/test-utils';
import { mediaLibraryFixtures } from './fixtures.ts';
import { mediaLibrarySource } from './index.ts';

runSourcePluginTests(mediaLibrarySource, mediaLibraryFixtures);
