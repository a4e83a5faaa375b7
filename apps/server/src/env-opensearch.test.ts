import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

describe('OpenSearch settings in the environment', () => {
  it('takes a comma-separated list of nodes and defaults ISM to require', () => {
    const config = loadConfig({
      TRAILMARK_STORAGE: 'opensearch',
      OPENSEARCH_URL: 'http://127.0.0.1:9200, http://127.0.0.1:9201,http://127.0.0.1:9202',
    });
    expect(config.opensearch?.urls).toEqual([
      'http://127.0.0.1:9200',
      'http://127.0.0.1:9201',
      'http://127.0.0.1:9202',
    ]);
    expect(config.opensearch?.ism).toBe('require');
  });

  it('accepts OPENSEARCH_ISM=auto|off and rejects anything else, naming the variable', () => {
    const base = { TRAILMARK_STORAGE: 'opensearch', OPENSEARCH_URL: 'http://127.0.0.1:9200' };
    expect(loadConfig({ ...base, OPENSEARCH_ISM: 'auto' }).opensearch?.ism).toBe('auto');
    expect(loadConfig({ ...base, OPENSEARCH_ISM: 'off' }).opensearch?.ism).toBe('off');
    expect(() => loadConfig({ ...base, OPENSEARCH_ISM: 'maybe' })).toThrow(/OPENSEARCH_ISM/);
    expect(() => loadConfig({ ...base, OPENSEARCH_URL: 'http://a:9200,not a url' })).toThrow(
      /OPENSEARCH_URL/,
    );
  });

  it('takes OPENSEARCH_REFRESH_INTERVAL as a duration, unset (the index default) when empty', () => {
    const base = { TRAILMARK_STORAGE: 'opensearch', OPENSEARCH_URL: 'http://127.0.0.1:9200' };
    expect(loadConfig({ ...base, OPENSEARCH_REFRESH_INTERVAL: '250ms' }).opensearch?.refreshInterval).toBe(
      '250ms',
    );
    expect(loadConfig({ ...base, OPENSEARCH_REFRESH_INTERVAL: '' }).opensearch).not.toHaveProperty(
      'refreshInterval',
    );
    expect(loadConfig(base).opensearch).not.toHaveProperty('refreshInterval');
    for (const bad of ['1', '0s', '-1s', 'fast'])
      expect(() => loadConfig({ ...base, OPENSEARCH_REFRESH_INTERVAL: bad })).toThrow(
        /OPENSEARCH_REFRESH_INTERVAL/,
      );
  });
});
