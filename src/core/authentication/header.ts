// Header extraction for the Table 5.9 authenticator: an XmlEventSink that records the root element,
// the Migration Header values (depth-1 children such as RequestingPartyID, MCFCounter, GroupID) and
// the distinct Supplier Certificate IDs of the installations (for step 5.9.10), in bounded memory.
import type { XmlElementEnd, XmlElementStart, XmlEventSink } from '../../lib/xml/sax.js';
import { certificateIdKey, type CertificateId } from '../ids/index.js';

/** Header elements the authenticator reads (TMAD Table 10.1; roots of Table 10.2). */
export const HEADER_ELEMENTS = [
  'RequestingPartyID',
  'ReportingPartyID',
  'S1SPID',
  'CommissioningPartyID',
  'GroupID',
  'ToBeCommissionedByDCC',
  'MCFCounter',
  'MGFCounter',
  'MEFCounter',
  'MVFCounter',
  'SCFCounter',
  'COFCounter',
] as const;
export type HeaderElement = (typeof HEADER_ELEMENTS)[number];

const SUPPLIER_CERTIFICATE_ELEMENTS = new Set([
  'CriticalSupplierCertificateID',
  'NonCriticalSupplierCertificateID',
]);
/** A file with more distinct Supplier Certificate IDs than this is not kept in memory for 5.9.10. */
const MAX_DISTINCT_SUPPLIER_CERTIFICATES = 10_000;

export interface MigrationFileHeader {
  rootElement: string | null;
  rootNamespace: string | null;
  values: Partial<Record<HeaderElement, string>>;
  /** Distinct Supplier Certificate IDs found anywhere in the file (Critical and Non-Critical). */
  supplierCertificateIds: CertificateId[];
  /** True when more distinct Supplier Certificate IDs were present than could be kept. */
  supplierCertificateIdsTruncated: boolean;
}

export class HeaderExtractor implements XmlEventSink {
  private root: string | null = null;
  private rootNs: string | null = null;
  private readonly values: Partial<Record<HeaderElement, string>> = {};
  private capturing: HeaderElement | null = null;
  private buffer = '';
  // Supplier certificate capture: inside a *SupplierCertificateID element, collect its two children.
  private certDepth = -1;
  private certChild: 'X509IssuerName' | 'X509SerialNumber' | null = null;
  private certIssuer = '';
  private certSerial = '';
  private readonly certs = new Map<string, CertificateId>();
  private truncated = false;
  // The GPF's Supplier Certificate IDs count only when the installation has a GSME: without one,
  // Table 10.1 requires them to be the Null Certificate ID (docs/SPEC-DECISIONS.md, 5.9.10).
  private detail: string | null = null;
  private hasGsme = false;
  private pendingGpf: CertificateId[] = [];

  startElement(el: XmlElementStart): void {
    if (el.depth === 0) {
      this.root = el.local;
      this.rootNs = el.uri;
      return;
    }
    if (el.depth === 1 && (HEADER_ELEMENTS as readonly string[]).includes(el.local)) {
      this.capturing = el.local as HeaderElement;
      this.buffer = '';
      return;
    }
    if (el.depth === 1 && el.local === 'SMETS1Installation') {
      this.hasGsme = false;
      this.pendingGpf = [];
    }
    if (el.depth === 2) {
      this.detail = el.local;
      if (el.local === 'GSMEDetail') this.hasGsme = true;
    }
    if (SUPPLIER_CERTIFICATE_ELEMENTS.has(el.local)) {
      this.certDepth = el.depth;
      this.certIssuer = '';
      this.certSerial = '';
      return;
    }
    if (this.certDepth >= 0 && el.depth === this.certDepth + 1) {
      if (el.local === 'X509IssuerName' || el.local === 'X509SerialNumber') this.certChild = el.local;
    }
  }

  text(text: string): void {
    if (this.capturing) this.buffer += text;
    else if (this.certChild === 'X509IssuerName') this.certIssuer += text;
    else if (this.certChild === 'X509SerialNumber') this.certSerial += text;
  }

  endElement(el: XmlElementEnd): void {
    if (this.capturing && el.depth === 1) {
      // First occurrence wins; the schema validator reports any repetition.
      if (this.values[this.capturing] === undefined) this.values[this.capturing] = this.buffer.trim();
      this.capturing = null;
      return;
    }
    if (this.certChild && el.depth === this.certDepth + 1) {
      this.certChild = null;
      return;
    }
    if (this.certDepth >= 0 && el.depth === this.certDepth) {
      const id: CertificateId = { serialNumber: this.certSerial.trim(), issuerName: this.certIssuer.trim() };
      if (this.detail === 'GPFDetail' && this.certDepth === 3) this.pendingGpf.push(id);
      else this.addCertificate(id);
      this.certDepth = -1;
      return;
    }
    if (el.depth === 1 && el.local === 'SMETS1Installation') {
      if (this.hasGsme) for (const id of this.pendingGpf) this.addCertificate(id);
      this.pendingGpf = [];
    }
  }

  private addCertificate(id: CertificateId): void {
    const key = certificateIdKey(id);
    if (this.certs.has(key)) return;
    if (this.certs.size < MAX_DISTINCT_SUPPLIER_CERTIFICATES) this.certs.set(key, id);
    else this.truncated = true;
  }

  result(): MigrationFileHeader {
    return {
      rootElement: this.root,
      rootNamespace: this.rootNs,
      values: { ...this.values },
      supplierCertificateIds: [...this.certs.values()],
      supplierCertificateIdsTruncated: this.truncated,
    };
  }
}
