import { runSourcePluginTests } from '@trailmark/test-utils';
import { generationBillingFixtures } from './fixtures.ts';
import { generationBillingSource } from './index.ts';

runSourcePluginTests(generationBillingSource, generationBillingFixtures);
