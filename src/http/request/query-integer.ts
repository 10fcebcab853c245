// A whole number in a query string, read strictly: an optional minus and
// decimal digits. `z.coerce.number()` alone takes whatever Number() takes —
// `1e3`, `0x10`, ` 7`, `+1` — so a client could send a value the API
// document (type integer) says is not one, and have it accepted. Here the
// text is checked first (`invalid_type` when it is not an integer, as for a
// word), then the number's bounds (`out_of_range`); the document still says
// integer with its bounds, as a client generator expects.

import { z } from 'zod';

/** Up to 16 digits, no leading zeros: within Number's exact integers. */
const DECIMAL = /^-?(0|[1-9][0-9]{0,15})$/;

export function queryInteger(minimum: number, maximum: number) {
  return z
    .string()
    .refine((text) => DECIMAL.test(text), {
      error: 'expected a whole number in decimal digits',
      params: { code: 'invalid_type' },
    })
    .pipe(z.coerce.number<string>().int().min(minimum).max(maximum))
    .meta({ type: 'integer', minimum, maximum });
}
