// Known differences between the service and its OpenAPI document, each
// excused by operation, status and kind, never more broadly. Every entry is
// a defect to fix (in the document, a route's metadata or the server); when
// it is fixed, delete the entry. An entry that no longer matches anything
// costs nothing, so the list only shrinks by hand: keep it short and dated.

import type { MismatchKind } from './response-check.ts';

/** What the fuzz suite finds besides response mismatches (see test/contract/). */
export type FuzzFindingKind =
  /** Input valid by the document was refused with a status the document does not give. */
  | 'valid-refused'
  /** Input invalid by the document was accepted (2xx). */
  | 'invalid-accepted';

export interface KnownGap {
  /** As in the document: `POST /api/v1/orders/{id}/pay`, or `(no route)`. */
  readonly operation: string;
  readonly status: number;
  readonly kind: MismatchKind | FuzzFindingKind;
  /** Only findings whose detail matches; omit to excuse any detail of this kind. */
  readonly detail?: RegExp;
  /** What is wrong and where the fix belongs. */
  readonly why: string;
}

export const KNOWN_GAPS: readonly KnownGap[] = [];

export function isKnownGap(finding: {
  readonly operation: string;
  readonly status: number;
  readonly kind: string;
  readonly detail: string;
}): boolean {
  return KNOWN_GAPS.some(
    (gap) =>
      gap.operation === finding.operation &&
      gap.status === finding.status &&
      gap.kind === finding.kind &&
      (gap.detail === undefined || gap.detail.test(finding.detail)),
  );
}
