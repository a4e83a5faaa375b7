import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@trailmark/plugin-stream-syslog' } });
