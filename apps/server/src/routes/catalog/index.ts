import { z } from '@hono/zod-openapi';
import { ATTRIBUTE_TYPES, ErrorCode, QUERY_QUALIFIERS, TrailmarkError } from '@trailmark/core';
import type { AppDeps } from '../../deps.ts';
import { retentionPeriodSchema } from '../admin/index.ts';
import { createRouter, defineRoute, json } from '../define.ts';

const actionDefinitionSchema = z
  .strictObject({
    action: z.string(),
    source_action: z.string().optional(),
    label: z.string(),
    description: z.string().optional(),
    category: z.string(),
    ocsf_class_uid: z.int().openapi({ description: 'OCSF 1.8 event class, used by the `ocsf` export.' }),
    ocsf_activity_id: z.int().optional(),
  })
  .openapi('ActionDefinition');

const catalogSchema = z
  .strictObject({
    sources: z.array(
      z.strictObject({
        id: z.string(),
        name: z.string(),
        description: z.string().optional(),
        allow_custom_actions: z.boolean(),
        retention: retentionPeriodSchema,
        actions: z.array(actionDefinitionSchema),
        fields: z
          .array(
            z.strictObject({
              name: z.string(),
              label: z.string(),
              type: z.enum(ATTRIBUTE_TYPES),
              description: z.string().optional(),
            }),
          )
          .openapi({
            description:
              "Declared searchable fields: `metadata[name]` of this source's events, indexed, filterable as `attr.<name>` and facetable as `field=attr.<name>`.",
          }),
      }),
    ),
    query_qualifiers: z.array(z.strictObject({ qualifier: z.string(), filter: z.string() })).openapi({
      description:
        'Every qualifier of the `q` query language and the filter parameter it stands for (`path:` is `target_path`, or `target_path_prefix` with a trailing `/*`), declared fields included.',
    }),
    export_formats: z.array(z.strictObject({ id: z.string(), name: z.string(), content_type: z.string() })),
  })
  .openapi('Catalog');

const catalog = defineRoute(
  { scope: 'any' },
  {
    method: 'get',
    path: '/',
    operationId: 'catalog',
    summary: 'Sources, actions and export formats',
    description:
      'The registered sources with every action they declare (label, category, OCSF class), their default retention, and the export formats. Use it to build filter menus.',
    tags: ['Query'],
    responses: { 200: json('The catalog', catalogSchema) },
  },
);

/** The action catalog: what the filter menus and the search box's autocomplete offer (mounted at /v1). */
export function catalogRoutes(deps: AppDeps) {
  const app = createRouter();

  app.openapi(catalog, (c) => {
    const principal = c.get('principal');
    if (!principal) throw new TrailmarkError(ErrorCode.UNAUTHENTICATED, 'missing bearer token');
    const retention = deps.plugins.retention;
    return c.json(
      {
        sources: deps.plugins.registry.list().map((s) => ({
          id: s.id,
          name: s.name,
          ...(s.description ? { description: s.description } : {}),
          allow_custom_actions: s.allowCustomActions,
          retention: retention.sources[s.id] ?? retention.default,
          actions: [...s.actions],
          fields: [...(s.fields ?? [])],
        })),
        // What the search box's query language takes (for autocomplete): each qualifier and its filter.
        query_qualifiers: [
          ...Object.entries(QUERY_QUALIFIERS).map(([qualifier, filter]) => ({ qualifier, filter })),
          ...deps.plugins.registry
            .fields()
            .map((f) => ({ qualifier: `attr.${f.name}`, filter: `attr.${f.name}` })),
        ],
        export_formats: [...deps.plugins.exportFormats.values()].map((f) => ({
          id: f.id,
          name: f.name,
          content_type: f.contentType,
        })),
      },
      200,
    );
  });

  return app;
}
