// Meter Point identifiers: MPAN core (electricity) and MPRN (gas).
import { type Result, ok, err } from '../result.js';

// MPAN core: 13 digits; first two = distributor ID (GSP Group); 13th = check digit:
// sum of the first 12 digits times the primes from 3 without 11 (3,5,7,13,17,19,23,29,31,37,41,43),
// mod 11, mod 10 (the industry algorithm; checked against published MPANs in test/unit/ids.test.ts).
const MPAN_WEIGHTS = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43] as const;

/** Known distributor IDs (first two digits of an MPAN core), with the area they serve. */
export const DISTRIBUTOR_IDS: Readonly<Record<string, string>> = {
  '10': 'Eastern England',
  '11': 'East Midlands',
  '12': 'London',
  '13': 'Merseyside and North Wales',
  '14': 'West Midlands',
  '15': 'North Eastern England',
  '16': 'North Western England',
  '17': 'Northern Scotland',
  '18': 'Southern Scotland',
  '19': 'South Eastern England',
  '20': 'Southern England',
  '21': 'South Wales',
  '22': 'South Western England',
  '23': 'Yorkshire',
  // IDNOs and others use further two-digit IDs; accepted as distributor IDs without an area.
};

/** The MPAN check digit for the first 12 digits. */
export function mpanCheckDigit(first12: string): number {
  if (!/^\d{12}$/.test(first12)) throw new RangeError(`expected 12 digits, got '${first12}'`);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * MPAN_WEIGHTS[i]!;
  return (sum % 11) % 10;
}

export interface MpanCore {
  readonly value: string;
  readonly distributorId: string;
}

/** Parse a 13-digit MPAN core and check its check digit. */
export function parseMpan(input: string): Result<MpanCore> {
  if (!/^\d{13}$/.test(input)) return err(`'${input}' is not an MPAN core: expected exactly 13 digits`);
  const expected = mpanCheckDigit(input.slice(0, 12));
  if (Number(input[12]) !== expected)
    return err(`MPAN '${input}' fails its check digit: last digit is ${input[12]}, expected ${expected}`);
  return ok({ value: input, distributorId: input.slice(0, 2) });
}

/** Complete 12 digits into a valid MPAN core (for test data and sample builders). */
export function mpanWithCheckDigit(first12: string): string {
  return first12 + String(mpanCheckDigit(first12));
}

/**
 * MPRN: a gas Meter Point Reference Number, all digits, at most 10 characters (MAM Table 7.2.3).
 * MPRNs carry no check digit that the MAM asks us to verify.
 */
export function parseMprn(input: string): Result<string> {
  if (!/^\d{1,10}$/.test(input)) return err(`'${input}' is not an MPRN: expected 1 to 10 digits`);
  return ok(input);
}
