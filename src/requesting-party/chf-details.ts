// The Communications Hub details of an MGF (TMAD 5.12(f); Table 10.1 IMSI, IPAddr, DNSServer,
// PingServer, PreviousAPN, DeviceCertificate) as a CSV the Requesting Party holds: the SIM and
// certificate data are not in the SMSO inventory (docs/SMSO.md), so they come in their own file
// (docs/RP-GROUP-FILES.md). One row per CHF; empty fields mean "not known".
import { parseEui64 } from '../core/ids/eui64.js';
import { tokenizeCsvLine } from '../core/formats/ma/csv-line.js';
import type { SmsoCsvProblem } from '../core/formats/smso/csv.js';
import type { MgfChfDetail } from '../core/formats/migration-files/index.js';

export const CHF_DETAILS_COLUMNS = [
  'chf_device_id',
  'imsi',
  'ip_addr',
  'dns_server',
  'ping_server',
  'previous_apn',
  'device_certificate',
] as const;

const RULE = 'docs/RP-GROUP-FILES.md CHF details; TMAD Table 10.1';
const FIELD: Record<Exclude<(typeof CHF_DETAILS_COLUMNS)[number], 'chf_device_id'>, keyof MgfChfDetail> = {
  imsi: 'imsi',
  ip_addr: 'ipAddr',
  dns_server: 'dnsServer',
  ping_server: 'pingServer',
  previous_apn: 'previousApn',
  device_certificate: 'deviceCertificate',
};

export type ChfCommsDetails = Omit<MgfChfDetail, 'serialNumbers'>;

export interface ChfDetailsParseResult {
  details: Map<string, ChfCommsDetails>;
  problems: SmsoCsvProblem[];
}

/** Longest field (characters): a DER certificate in Base64 fits in DeviceCertificate's bound. */
const MAX_FIELD = 256;
const MAX_CERTIFICATE = 16_384;

/** Parse the CHF details CSV; every problem is reported with file, line, column, field and rule. */
export function parseChfDetailsCsv(text: string, file: string): ChfDetailsParseResult {
  const problems: SmsoCsvProblem[] = [];
  const details = new Map<string, ChfCommsDetails>();
  const problem = (
    line: number | null,
    column: number | null,
    field: string | null,
    message: string,
  ): void => {
    problems.push({ file, line, column, field, rule: RULE, message });
  };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) {
    problem(null, null, null, `the file is empty: expected the header line ${CHF_DETAILS_COLUMNS.join(',')}`);
    return { details, problems };
  }
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const tok = tokenizeCsvLine(raw);
    if (!tok.ok) return problem(lineNo, tok.column, null, tok.message);
    const values = tok.fields.map((x) => x.value);
    if (i === 0) {
      if (values.join(',') !== CHF_DETAILS_COLUMNS.join(','))
        problem(1, 1, null, `header line: expected exactly ${CHF_DETAILS_COLUMNS.join(',')}`);
      return;
    }
    if (problems.some((p) => p.line === 1)) return;
    if (values.length !== CHF_DETAILS_COLUMNS.length)
      return problem(
        lineNo,
        1,
        null,
        `${values.length} fields: expected ${CHF_DETAILS_COLUMNS.length} (${CHF_DETAILS_COLUMNS.join(',')})`,
      );
    const col = (k: number): number => tok.fields[k]!.start + 1;
    const bad = (k: number, message: string): void =>
      problem(lineNo, col(k), CHF_DETAILS_COLUMNS[k]!, message);
    for (let k = 0; k < values.length; k++) {
      const max = CHF_DETAILS_COLUMNS[k] === 'device_certificate' ? MAX_CERTIFICATE : MAX_FIELD;
      if (values[k]!.length > max) return bad(k, `${values[k]!.length} characters: expected at most ${max}`);
    }
    const id = parseEui64(values[0]!);
    if (!id.ok) return bad(0, `'${values[0]}': expected an EUI-64 (TMAD 2 Device ID)`);
    const chf: string = id.value;
    if (details.has(chf)) return bad(0, `${chf} appears twice: expected one row per CHF`);
    const d: Record<string, string> = {};
    CHF_DETAILS_COLUMNS.slice(1).forEach((c, j) => {
      if (values[j + 1] !== '') d[FIELD[c as keyof typeof FIELD]] = values[j + 1]!;
    });
    if (d.imsi !== undefined && !/^\d{6,15}$/.test(d.imsi))
      return bad(1, `'${d.imsi}': expected an IMSI of 6 to 15 digits (ITU-T E.212)`);
    if (d.deviceCertificate !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(d.deviceCertificate))
      return bad(6, 'expected the certificate in Base64 (TMAD Table 10.1 DeviceCertificate)');
    details.set(chf, d);
  });
  return { details, problems };
}
