import type { ActionRegistry, ParseFilterOptions } from '@trailmark/core';

/**
 * Filter parsing options that know the registry: an `action` value that is a product's own name gets
 * pointed at the action it is declared as, and at free text, which matches the product's name
 * (`source_action`) on every event, including the ones a plugin files under another action (a
 * file-transfer BLOCKED download is `file.downloaded`).
 */
export function filterOptions(registry: ActionRegistry): ParseFilterOptions {
  return {
    actionHint: (value) => {
      const found = registry.findBySourceAction(value);
      if (found.length === 0) return undefined;
      const where = found.map((f) => `action=${f.definition.action}&source=${f.source}`).join(' or ');
      return `the product name ${value} is ${where}; q=${value} matches the product's own name`;
    },
  };
}
