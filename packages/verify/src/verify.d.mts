export declare const FORMAT: 'trailmark-verifiable-export/1';

export interface ExportProblem {
  line: number;
  log_index?: number;
  event_id?: string;
  message: string;
}

export interface ExportVerification {
  ok: boolean;
  tenant?: string;
  origin?: string;
  tree_size?: number;
  /** The verifier key that signed the checkpoint. */
  key?: string;
  /** True when no trusted key was given and the file's own keys were used. */
  key_from_file?: boolean;
  rows?: number;
  removed?: number;
  problems: ExportProblem[];
}

export declare function eventLeafHash(event: unknown, logIndex: number): Buffer;
export declare function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean;
export declare function parseVerifierKey(text: string): { name: string; text: string } | undefined;
export declare function openCheckpoint(
  note: string,
  keys: readonly unknown[],
): { origin: string; size: number; root: Buffer; key: string; extensions: string[] } | { error: string };
export declare function verifyExportFile(
  path: string,
  options?: { trustedKeys?: readonly string[] },
): Promise<ExportVerification>;
