import { defineExportPlugin } from '@trailmark/core';
import { csvFormat } from './csv.ts';
import { ndjsonFormat } from './ndjson.ts';

/** The built-in export formats: CSV for spreadsheets and NDJSON for pipelines. */
export const exportPlugin = defineExportPlugin({
  id: 'export',
  name: 'CSV and NDJSON export',
  formats: [csvFormat, ndjsonFormat],
});

export {
  BOM,
  CSV_COLUMNS,
  CSV_HEADER,
  type CsvColumn,
  createCsvEncoder,
  csvCells,
  csvFormat,
  csvRow,
  neutralizeCell,
  restoreCell,
} from './csv.ts';
export { createNdjsonEncoder, ndjsonFormat } from './ndjson.ts';
export { createOcsfEncoder, OCSF_VERSION, ocsfExportPlugin, ocsfFormat, toOcsf } from './ocsf.ts';
