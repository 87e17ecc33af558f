// What the two parties that send the Table 6.3 requests share (TMAD 6.1, 6.3(d), 6.6): the
// Commissioning Party (src/commissioning-party) and a Responsible Supplier commissioning itself
// (src/supplier/self-commissioning.ts). Parties never import each other, so their common set-up lives
// here: Table 5.9 on a received MCF or SCF as the given Authenticator, the Table 8.7.4 build context
// (Business Originator ID, counters, the certificates of the Certificate IDs with their CA path), and
// the Supplier Party identified for an installation in the MCF (its ESME's, else its GSME's Critical
// Supplier certificate).
import type { Readable } from 'node:stream';
import {
  authenticateMigrationFile,
  type AcceptedFileRepository,
  type AuthenticationVerdict,
  type StoredCounterRepository,
} from '../authentication/index.js';
import type { McfInstallation } from '../formats/migration-files/types.js';
import type { IncidentRepository } from '../incidents/repository.js';
import { isNullCertificateId } from '../ids/index.js';
import {
  criticalSupplierId,
  findCertificate,
  type OrganisationCertificate,
  type TrustStore,
} from '../pki/index.js';
import type { CarriedCertificate } from './requests.js';
import type { BuildContext } from './table-6-3.js';

/** Base64 DER of a certificate (the signer certificate a request carries). */
export const certificateBase64 = (c: OrganisationCertificate): string =>
  Buffer.from(c.der).toString('base64');

const carried = (c: OrganisationCertificate): CarriedCertificate => ({
  certificateId: { serialNumber: c.serialNumber, issuerName: c.issuerName },
  der: certificateBase64(c),
});

/**
 * TMAD 6.1 (and 6.6): Table 5.9 on a received file with `as` as the Authenticator (its own counters).
 * `open` gives the file's bytes (the caller does the I/O); the stream is destroyed afterwards.
 */
export async function authenticateReceived(
  open: () => Readable,
  fileName: string,
  o: {
    as: 'commissioning-party' | 'supplier';
    trust: TrustStore;
    now: Date;
    requireCrl?: boolean;
    repos: {
      counters: StoredCounterRepository;
      incidents: IncidentRepository;
      acceptedFiles: AcceptedFileRepository;
    };
  },
): Promise<AuthenticationVerdict> {
  const stream = open();
  return authenticateMigrationFile(stream, {
    as: o.as,
    trust: o.trust,
    counters: o.repos.counters,
    incidents: o.repos.incidents,
    acceptedFiles: o.repos.acceptedFiles,
    now: o.now,
    fileName,
    ...(o.requireCrl === false ? { validity: { requireCrl: false } } : {}),
  }).finally(() => stream.destroy());
}

/**
 * Table 8.7.4: the build context of the Table 6.3 requests of one sender: its Business Originator ID,
 * the DCC ID of a Device Pre-notification, its counters, and each Certificate ID's certificate with
 * the CA certificates of its path, from the trust store.
 */
export function table63Context(o: {
  businessOriginatorId: string;
  preNotificationTargetId: string;
  nextCounter: (name: string) => Promise<bigint>;
  now: Date;
  trust: TrustStore;
}): BuildContext {
  return {
    businessOriginatorId: o.businessOriginatorId,
    preNotificationTargetId: o.preNotificationTargetId,
    nextOriginatorCounter: () => o.nextCounter('originator'),
    nextJoinCriticalCounter: (target: string) => o.nextCounter(`join-critical:${target.toUpperCase()}`),
    now: o.now,
    certificate: (id) => {
      const c = findCertificate(o.trust, id.issuerName, id.serialNumber);
      if (!c) return undefined;
      const chain = [...o.trust.intermediates, ...o.trust.roots].filter(
        (ca) => ca.subjectName === c.issuerName,
      );
      return { certificate: carried(c), path: chain.map(carried) };
    },
  };
}

/**
 * The Supplier Party identified for the installation in the MCF (TMAD 6.4(b)(ii), 6.6): that of the
 * ESME's (else the GSME's) Critical Supplier certificate — its User ID's Party Signifier, else the
 * User ID itself; null when both are Null or unknown.
 */
export async function supplierPartyOfInstallation(
  inst: McfInstallation,
  trust: TrustStore,
  partyOf: ((userId: string) => Promise<string | undefined>) | undefined,
): Promise<string | null> {
  for (const id of [
    inst.esmeDetail.criticalSupplierCertificateId,
    inst.gsmeDetail?.criticalSupplierCertificateId,
  ]) {
    if (!id || isNullCertificateId(id)) continue;
    const cert = findCertificate(trust, id.issuerName, id.serialNumber);
    const userId = cert ? (criticalSupplierId(cert) ?? cert.entityId) : null;
    if (!userId) continue;
    return (await partyOf?.(userId)) ?? userId;
  }
  return null;
}
