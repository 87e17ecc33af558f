// TMAD 10.1 content rules that the (structural) schema leaves out but Clause 10.1 requires of the whole
// file, so that step 5.9.1 ("meets the requirements of Clause 10.1") can fail: a streaming sink.
//
// Table 10.1 GPFDetail: "Where the SMETS1Installation does not contain a GSME, the values in the above
// four elements shall be the Null Certificate ID."
import type { XmlElementEnd, XmlElementStart, XmlEventSink } from '../../lib/xml/sax.js';
import { isNullCertificateId } from '../ids/index.js';
import type { Problem } from '../problem.js';

/** A Problem (src/core/problem.ts) that always names line and element. */
export interface ContentProblem extends Problem {
  line: number;
  element: string;
  rule: string;
  message: string;
}

const GPF_CERTIFICATES = new Set([
  'CriticalSupplierCertificateID',
  'NonCriticalSupplierCertificateID',
  'CriticalNetworkOperatorCertificateID',
  'NonCriticalNetworkOperatorCertificateID',
]);
const MAX_PROBLEMS = 100;

/** Checks MigrationCommon files only; other roots have no such rule. */
export class Table101ContentRules implements XmlEventSink {
  readonly problems: ContentProblem[] = [];
  private isMcf = false;
  private installation = 0;
  private installationLine = 0;
  private hasGsme = false;
  private inGpf = false;
  private certElement: string | null = null;
  private certLine = 0;
  private child: 'X509IssuerName' | 'X509SerialNumber' | null = null;
  private issuer = '';
  private serial = '';
  /** GPF certificate IDs of the current installation that are not Null: [element, line]. */
  private nonNullGpf: Array<[string, number]> = [];

  startElement(el: XmlElementStart): void {
    if (el.depth === 0) {
      this.isMcf = el.local === 'MigrationCommon';
      return;
    }
    if (!this.isMcf) return;
    if (el.depth === 1 && el.local === 'SMETS1Installation') {
      this.installation++;
      this.installationLine = el.pos.line;
      this.hasGsme = false;
      this.nonNullGpf = [];
    } else if (el.depth === 2 && el.local === 'GSMEDetail') this.hasGsme = true;
    else if (el.depth === 2 && el.local === 'GPFDetail') this.inGpf = true;
    else if (this.inGpf && el.depth === 3 && GPF_CERTIFICATES.has(el.local)) {
      this.certElement = el.local;
      this.certLine = el.pos.line;
      this.issuer = '';
      this.serial = '';
    } else if (
      this.certElement &&
      el.depth === 4 &&
      (el.local === 'X509IssuerName' || el.local === 'X509SerialNumber')
    )
      this.child = el.local;
  }

  text(text: string): void {
    if (this.child === 'X509IssuerName') this.issuer += text;
    else if (this.child === 'X509SerialNumber') this.serial += text;
  }

  endElement(el: XmlElementEnd): void {
    if (!this.isMcf) return;
    if (this.child && el.depth === 4) this.child = null;
    else if (this.certElement && el.depth === 3) {
      const id = { issuerName: this.issuer.trim(), serialNumber: this.serial.trim() };
      if (!isNullCertificateId(id)) this.nonNullGpf.push([this.certElement, this.certLine]);
      this.certElement = null;
    } else if (this.inGpf && el.depth === 2 && el.local === 'GPFDetail') this.inGpf = false;
    else if (el.depth === 1 && el.local === 'SMETS1Installation') {
      if (!this.hasGsme && this.nonNullGpf.length > 0 && this.problems.length < MAX_PROBLEMS)
        this.problems.push({
          line: this.nonNullGpf[0]![1],
          element: `MigrationCommon/SMETS1Installation[${this.installation}]/GPFDetail/${this.nonNullGpf[0]![0]}`,
          rule: 'TMAD 10.1 Table 10.1 GPFDetail',
          message: `the installation at line ${this.installationLine} has no GSME, so the GPF's four certificate IDs must be the Null Certificate ID; ${this.nonNullGpf
            .map(([e]) => e)
            .join(', ')} ${this.nonNullGpf.length === 1 ? 'is' : 'are'} not`,
        });
    }
  }
}
