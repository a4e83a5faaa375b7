import { runSourcePluginTests } from '@trailmark/test-utils';
import { centralConfigFixtures } from './fixtures.ts';
import { centralConfigSource } from './index.ts';

runSourcePluginTests(centralConfigSource, centralConfigFixtures);
