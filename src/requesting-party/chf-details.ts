// The Communications Hub details of an MGF (TMAD 5.12(f); Table 10.1 IMSI, IPAddr, DNSServer,
// PingServer, PreviousAPN, DeviceCertificate) as a CSV the Requesting Party holds: the SIM and
// certificate data are not in the SMSO inventory (docs/SMSO.md), so they come in their own file
// (docs/REQUESTING-PARTY.md). One row per CHF; empty fields mean "not known".
import { parseEui64 } from '../core/ids/eui64.js';
import { readCsvRecords, type SmsoCsvProblem } from '../core/formats/smso/csv.js';
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

const RULE = 'docs/REQUESTING-PARTY.md CHF details; TMAD Table 10.1';
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

/** Parse the CHF details CSV; every problem is reported with file, line, column, field and rule. */
export function parseChfDetailsCsv(text: string, file: string): ChfDetailsParseResult {
  const problems: SmsoCsvProblem[] = [];
  const details = new Map<string, ChfCommsDetails>();
  for (const r of readCsvRecords(text, file, CHF_DETAILS_COLUMNS, problems)) {
    const bad = (field: string, message: string): void => {
      problems.push({ file, line: r.line, column: r.columns[field] ?? null, field, rule: RULE, message });
    };
    const id = parseEui64(r.values.chf_device_id!);
    if (!id.ok) {
      bad('chf_device_id', `'${r.values.chf_device_id}': expected an EUI-64 (TMAD 2 Device ID)`);
      continue;
    }
    const chf: string = id.value;
    if (details.has(chf)) {
      bad('chf_device_id', `${chf} appears twice: expected one row per CHF`);
      continue;
    }
    const d: Record<string, string> = {};
    for (const [col, prop] of Object.entries(FIELD)) {
      const v = r.values[col]!;
      if (v !== '') d[prop] = v;
    }
    if (d.imsi !== undefined && !/^\d{6,15}$/.test(d.imsi)) {
      bad('imsi', `'${d.imsi}': expected an IMSI of 6 to 15 digits (ITU-T E.212)`);
      continue;
    }
    if (d.deviceCertificate !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(d.deviceCertificate)) {
      bad('device_certificate', 'expected the certificate in Base64 (TMAD Table 10.1 DeviceCertificate)');
      continue;
    }
    details.set(chf, d);
  }
  return { details, problems };
}
