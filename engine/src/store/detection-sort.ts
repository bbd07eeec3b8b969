import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';

/** Orders of a detection list. Ties are broken by id in the same direction, so keyset pages are exact. */
export const DETECTION_SORTS = ['time_desc', 'time_asc', 'score_desc', 'score_asc'] as const;

/** One of {@link DETECTION_SORTS}. */
export type DetectionSort = (typeof DETECTION_SORTS)[number];

/** The stored field a sort orders by and its direction. */
export interface SortOrder {
  /** `ts` (epoch ms, 0 without a timestamp) or `score`. */
  field: 'ts' | 'score';
  descending: boolean;
}

/** The field and direction of `sort`. */
export function sortOrder(sort: DetectionSort): SortOrder {
  return { field: sort.startsWith('time') ? 'ts' : 'score', descending: sort.endsWith('_desc') };
}

/** A keyset position in a sorted detection list: the last item's sort value and id. */
export interface DetectionPosition {
  value: number;
  id: string;
}

/** The cursor after `position` in a list sorted by `sort`; it carries the sort so that it cannot serve another. */
export function encodeDetectionCursor(sort: DetectionSort, position: DetectionPosition): string {
  return encodeCursor([sort, position.value, position.id]);
}

/** The position of a cursor made by {@link encodeDetectionCursor} for `sort`; throws {@link InvalidCursorError}. */
export function decodeDetectionCursor(cursor: string, sort: DetectionSort): DetectionPosition {
  const [made, value, id] = decodeCursor(cursor, ['string', 'number', 'string']) ?? [];
  if (typeof made !== 'string' || typeof value !== 'number' || typeof id !== 'string')
    throw new InvalidCursorError('cursor is not one this API returned');
  if (made !== sort)
    throw new InvalidCursorError(
      `this cursor continues a list sorted by ${made}, not ${sort}; start again without a cursor`,
    );
  return { value, id };
}
