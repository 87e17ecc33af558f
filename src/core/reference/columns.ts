// Column checks shared by the reference-data CSV formats (docs/REFERENCE-DATA.md). Each returns null
// when the value is acceptable, else the words of what was expected (the problem message).
import { isDeviceType, isGroupId, GROUP_IDS, DEVICE_TYPES, parsePartySignifier } from '../ids/reference.js';
import { isCanonicalEui64 } from '../ids/eui64.js';
import { parseMpan, parseMprn } from '../ids/mpxn.js';
import { parseSerialNumber } from '../ids/certificate-id.js';

export type Check = (value: string) => string | null;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * A reference-data date: `YYYY-MM-DD` (a UTC day) or `YYYY-MM-DDThh:mm:ssZ` (an instant). As the start
 * of a period a day means its first instant; as the end of a period it is inclusive (the period ends
 * at the start of the next day), as TMAD 5.1(a)(ii) says of group public keys ("inclusive start and
 * end dates"). docs/SPEC-DECISIONS.md.
 */
export function parseRefDate(value: string): { start: Date; endExclusive: Date } | null {
  let m = DATE.exec(value);
  if (m) {
    const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (start.toISOString().slice(0, 10) !== value) return null;
    return { start, endExclusive: new Date(start.getTime() + 86_400_000) };
  }
  m = DATE_TIME.exec(value);
  if (m) {
    const d = new Date(value);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) + 'Z' !== value) return null;
    return { start: d, endExclusive: d };
  }
  return null;
}

function hasControlCharacter(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20 || v.charCodeAt(i) === 0x7f) return true;
  return false;
}

export const checks = {
  nonEmpty: ((v) => (v.trim() === '' ? 'a non-empty value' : null)) as Check,
  text: ((v) =>
    v.trim() !== v
      ? 'no leading or trailing spaces'
      : v.length > 200
        ? 'at most 200 characters'
        : hasControlCharacter(v)
          ? 'no control characters'
          : null) as Check,
  eui64: ((v) =>
    isCanonicalEui64(v)
      ? null
      : 'an EUI-64 as eight hyphen-separated upper-case hex octets, e.g. 70-B3-D5-1F-30-01-00-01') as Check,
  deviceType: ((v) => (isDeviceType(v) ? null : `a Device Type: one of ${DEVICE_TYPES.join(', ')}`)) as Check,
  groupId: ((v) => (isGroupId(v) ? null : `a GroupID: one of ${GROUP_IDS.join(', ')}`)) as Check,
  smso: ((v) =>
    /^[A-Z]{3}$/.test(v) ? null : 'an SMSO code: three upper-case letters (MAM 7.2.2)') as Check,
  date: ((v) =>
    parseRefDate(v) ? null : 'a date YYYY-MM-DD or a UTC date-time YYYY-MM-DDThh:mm:ssZ') as Check,
  mpan: ((v) => {
    const r = parseMpan(v);
    return r.ok ? null : `an MPAN core: 13 digits with a valid check digit (${r.error})`;
  }) as Check,
  mprn: ((v) => (parseMprn(v).ok ? null : 'an MPRN: 1 to 10 digits')) as Check,
  signifier: ((v) =>
    parsePartySignifier(v).ok ? null : 'a SEC Party Signifier: 1 to 8 upper-case letters or digits') as Check,
  serial: ((v) =>
    parseSerialNumber(v).ok && !/^0\d/.test(v)
      ? null
      : 'an X509SerialNumber: a decimal integer without leading zeros, at most 44 digits') as Check,
  hex40: ((v) =>
    /^[0-9a-f]{40}$/.test(v)
      ? null
      : 'a Key Identifier: 40 lower-case hex digits (SHA-1, TMAD 2 X509SKI)') as Check,
  base64: ((v) =>
    /^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0
      ? null
      : 'base64 (RFC 4648, no line breaks)') as Check,
  oneOf:
    (values: readonly string[]): Check =>
    (v) =>
      values.includes(v) ? null : `one of ${values.join(', ')}`,
};
