// The DCC's side of Commissioning Requests (TMAD 8.1-8.7, Tables 8.7.1-8.7.3; 3.3, 3.14, 6.5, Table
// 6.5). Each request is processed as a Service Request except as Clause 8 varies it: no User Role
// check (8.2), no Notified Critical Supplier ID vs Business Originator ID check (8.3), no Registration
// Data check but those of Table 8.7.3 (8.4). The checks of Table 8.7.1 run in table order, then those
// of Table 8.7.3 (8.7); the first that fails ends the processing with its Response Code. A request
// that passes is applied to the Smart Metering Inventory and, for Commission Device, the S1SP Alert
// S1MC1 of Table 6.5 is raised (6.5).
//
// 3.14: the Anomaly Detection Threshold of the Commissioning Party is 0 for every request that is not
// a Commissioning Request, so the first such request exceeds it: it is quarantined (not processed),
// answered E48 and reported to onAnomaly.
import {
  commissioningRequestOf,
  commissioningResponse,
  SUCCESS_RESPONSE_CODE,
  type CommissioningRequestName,
  type CommissioningRequestPort,
  type CommissioningResponse,
  type ErrorResponseCode,
  type InventoryDevice,
  type S1spAlert,
  type SignedCommissioningRequest,
  type SmartMeteringInventoryPort,
} from '../core/commissioning-requests/index.js';
import { parseCertificate, type OrganisationCertificate } from '../core/pki/index.js';
import { requiredSigningRole } from '../core/pki/roles.js';
import { parseEui64 } from '../core/ids/index.js';

/** Registration Data and organisations (TMAD 8.4: only what Table 8.7.3 needs). */
export interface CommissioningRegistration {
  importSupplierAt(mpan: string, t: Date): Promise<string | null>;
  gasSupplierAt(mprn: string, t: Date): Promise<string | null>;
  electricityDistributorAt(mpan: string, t: Date): Promise<string | null>;
  gasTransporterAt(mprn: string, t: Date): Promise<string | null>;
  /** The Party Signifier of the party holding this User ID (Entity Identifier). */
  partySignifierOf(userId: string): Promise<string | undefined>;
}

/** The Registration Data and organisations of TMAD 8.4 from the reference data (the store's, or any alike). */
export function commissioningRegistrationOf(
  data: Omit<CommissioningRegistration, 'partySignifierOf'> & {
    partyOfUserId(userId: string): Promise<{ partySignifier: string } | undefined>;
  },
): CommissioningRegistration {
  return {
    importSupplierAt: (m, t) => data.importSupplierAt(m, t),
    gasSupplierAt: (m, t) => data.gasSupplierAt(m, t),
    electricityDistributorAt: (m, t) => data.electricityDistributorAt(m, t),
    gasTransporterAt: (m, t) => data.gasTransporterAt(m, t),
    partySignifierOf: async (u) => (await data.partyOfUserId(u))?.partySignifier,
  };
}

/** Fault injection by rule (tests, the simulated estate): matching requests get this Response Code. */
export interface CommissioningFaultRule {
  request?: CommissioningRequestName;
  /** Business Target ID (or, for a Device Pre-notification, the body's Device ID). */
  deviceId?: string;
  remotePartyRole?: 'Supplier' | 'NetworkOperator';
  responseCode: ErrorResponseCode;
}

export interface Anomaly {
  /** TMAD 3.14: 0 for anything but Commissioning Requests. */
  threshold: 0;
  serviceReference: string;
  serviceReferenceVariant: string;
  requestId: string;
  at: Date;
}

export interface DccCommissioningOptions {
  /**
   * Who sends the requests (default the Commissioning Party). `responsible-supplier`: TMAD 6.6, the
   * Responsible Supplier's Service Requests for the same Table 6.3 steps, signed with its own
   * supplier certificate (C2 then expects Remote Party Role `supplier`); 3.14's zero anomaly threshold
   * is the Commissioning Party's only.
   */
  requester?: 'commissioning-party' | 'responsible-supplier';
  inventory: SmartMeteringInventoryPort;
  registration: CommissioningRegistration;
  now: () => Date;
  faults?: readonly CommissioningFaultRule[];
  onAnomaly?: (a: Anomaly) => void | Promise<void>;
  /** Called with every request and its Response, in order (the DCC's log). */
  onResponse?: (request: SignedCommissioningRequest, response: CommissioningResponse) => void | Promise<void>;
}

const eq = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.toUpperCase() === b.toUpperCase();

/** Device types the SMI holds for SMETS1 Installations (the registry holds no SMETS version: docs/SPEC-DECISIONS.md). */
const SMETS1_DEVICE_TYPES = new Set(['CHF', 'GPF', 'ESME', 'GSME', 'PPMID', 'IHD', 'CAD']);

function isSmets1(d: InventoryDevice | undefined): d is InventoryDevice {
  return !!d && SMETS1_DEVICE_TYPES.has(d.deviceType.toUpperCase()) && d.status !== 'Decommissioned';
}

/**
 * The certificates requests carry, parsed once each: the same signer and replacement certificates come
 * with every request of a sender (parsing X.509 was most of the time of a Commissioning Request).
 */
const parsed = new Map<string, OrganisationCertificate | undefined>();
const PARSED_MAX = 4096;

function certificateOf(der: string): OrganisationCertificate | undefined {
  if (parsed.has(der)) return parsed.get(der);
  let c: OrganisationCertificate | undefined;
  try {
    c = parseCertificate(Buffer.from(der, 'base64'));
  } catch {
    c = undefined;
  }
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(der, c);
  return c;
}

function sameEntity(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const pa = parseEui64(a);
  const pb = parseEui64(b);
  return pa.ok && pb.ok ? pa.value === pb.value : eq(a, b);
}

type Check = { code: ErrorResponseCode; detail: string } | undefined;

/** Process one Commissioning Request (TMAD 8.6, 8.7) and apply it; never throws on bad input. */
export async function processCommissioningRequest(
  signed: SignedCommissioningRequest,
  opts: DccCommissioningOptions,
): Promise<CommissioningResponse> {
  const req = signed.request;
  const now = opts.now();
  const respond = async (
    code: ErrorResponseCode | typeof SUCCESS_RESPONSE_CODE,
    detail?: string,
    alert?: S1spAlert,
  ) => {
    const r = commissioningResponse(req, code, detail, alert);
    await opts.onResponse?.(signed, r);
    return r;
  };
  const name = commissioningRequestOf(req.serviceReference, req.serviceReferenceVariant);
  const rid = req.requestId;
  // Table 8.7.1 E48 (and 3.14: anomaly threshold 0 for anything else).
  if (!name || name !== req.body.request) {
    if (opts.requester !== 'responsible-supplier')
      await opts.onAnomaly?.({
        threshold: 0,
        serviceReference: req.serviceReference,
        serviceReferenceVariant: req.serviceReferenceVariant,
        requestId: `${rid.businessOriginatorId}:${rid.businessTargetId}:${rid.originatorCounter}`,
        at: now,
      });
    return respond(
      'E48',
      `Service Reference ${req.serviceReference} / Variant ${req.serviceReferenceVariant} is not a Commissioning Request of Table 8.7.2 (TMAD 3.14: quarantined, anomaly threshold 0)`,
    );
  }
  // Table 8.7.1 C2: the Remote Party Role of the signer certificate is that of Table 5.5.
  const signer = certificateOf(signed.signerCertificate);
  const wanted = opts.requester === 'responsible-supplier' ? 'supplier' : requiredSigningRole('DUISRequest');
  if (!signer || signer.role !== wanted)
    return respond(
      'C2',
      `the certificate that verified the signature has Remote Party Role ${signer?.role ?? '(unreadable certificate)'}; expected ${wanted} (TMAD Table 5.5)`,
    );
  // Table 8.7.1 E100.
  if (!sameEntity(rid.businessOriginatorId, signer.entityId))
    return respond(
      'E100',
      `Business Originator ID ${rid.businessOriginatorId} is not the signer certificate's Entity Identifier ${signer.entityId ?? '(none)'}`,
    );
  const body = req.body;
  // Table 8.7.1 C4: a Business Target ID that refers to a Device (not the DCC ID of a Pre-notification).
  let target: InventoryDevice | undefined;
  if (body.request !== 'Device Pre-notification') {
    target = await opts.inventory.device(rid.businessTargetId);
    if (!isSmets1(target))
      return respond(
        'C4',
        `Business Target ID ${rid.businessTargetId} is not a SMETS1 Device (or a CAD) in the Smart Metering Inventory`,
      );
  }
  // Table 8.7.1 C5: a Device ID in the body of any request but a Device Pre-notification.
  let other: InventoryDevice | undefined;
  const otherId =
    body.request === 'Update HAN Device Log'
      ? body.deviceId
      : body.request === 'Join Service (Critical)' || body.request === 'Join Service (Non-Critical)'
        ? body.otherDeviceId
        : undefined;
  if (otherId !== undefined) {
    other = await opts.inventory.device(otherId);
    if (!isSmets1(other))
      return respond(
        'C5',
        `Device ID ${otherId} in the body is not a SMETS1 Device in the Smart Metering Inventory`,
      );
  }
  // Table 8.7.3 (Request Handover Of DCC Controlled Device), in order.
  if (body.request === 'Request Handover Of DCC Controlled Device') {
    const failed = await handoverChecks(body, target!, opts.registration, now);
    if (failed) return respond(failed.code, failed.detail);
  }
  // Fault injection by rule, after the real checks passed.
  const deviceId = body.request === 'Device Pre-notification' ? body.deviceId : rid.businessTargetId;
  const fault = opts.faults?.find(
    (f) =>
      (f.request === undefined || f.request === name) &&
      (f.deviceId === undefined || eq(f.deviceId, deviceId)) &&
      (f.remotePartyRole === undefined ||
        (body.request === 'Request Handover Of DCC Controlled Device' &&
          body.remotePartyRole === f.remotePartyRole)),
  );
  if (fault) return respond(fault.responseCode, 'injected fault (rule)');
  const alert = await apply(signed, target, other, opts.inventory, now);
  return respond(SUCCESS_RESPONSE_CODE, undefined, alert);
}

async function handoverChecks(
  body: Extract<
    SignedCommissioningRequest['request']['body'],
    { request: 'Request Handover Of DCC Controlled Device' }
  >,
  target: InventoryDevice,
  reg: CommissioningRegistration,
  now: Date,
): Promise<Check> {
  const certs = body.replacementCertificates.map((c) => certificateOf(c.der));
  const wantRole = body.remotePartyRole === 'Supplier' ? 'supplier' : 'networkOperator';
  // C062199
  const wrong = certs.find((c) => !c || c.role !== wantRole);
  if (certs.length === 0 || wrong !== undefined)
    return {
      code: 'C062199',
      detail: `RemotePartyRole ${body.remotePartyRole}: every ReplacementCertificate must have Remote Party Role ${wantRole}; found ${certs.map((c) => c?.role ?? 'unreadable').join(', ') || 'none'}`,
    };
  // C062197
  const parties = new Set<string>();
  for (const c of certs)
    parties.add((await reg.partySignifierOf(c!.entityId ?? '')) ?? `User ID ${c!.entityId}`);
  if (parties.size !== 1)
    return {
      code: 'C062197',
      detail: `the ReplacementCertificates name ${parties.size} parties: ${[...parties].join(', ')}`,
    };
  const party = [...parties][0]!;
  // C062196 / C062195: the MPxN in the SMI against the target, and the Registration Data.
  const mpxn = target.mpxn ?? null;
  const gas = target.deviceType === 'GSME' || target.deviceType === 'GPF';
  if (body.remotePartyRole === 'Supplier') {
    const registered = mpxn
      ? await (gas ? reg.gasSupplierAt(mpxn, now) : reg.importSupplierAt(mpxn, now))
      : null;
    if (!registered || registered !== party)
      return {
        code: 'C062196',
        detail: `the certificates' party ${party} is not the ${gas ? 'Gas' : 'Import'} Supplier of ${mpxn ?? '(no MPxN recorded against ' + target.deviceId + ')'}: ${registered ?? 'none registered'}`,
      };
  } else {
    const registered = mpxn
      ? await (gas ? reg.gasTransporterAt(mpxn, now) : reg.electricityDistributorAt(mpxn, now))
      : null;
    if (!registered || registered !== party)
      return {
        code: 'C062195',
        detail: `the certificates' party ${party} is not the ${gas ? 'Gas Transporter' : 'Electricity Distributor'} of ${mpxn ?? '(no MPxN recorded against ' + target.deviceId + ')'}: ${registered ?? 'none registered'}`,
      };
  }
  return undefined;
}

/** Apply a request that passed (DUIS meanings): the SMI entries and links; Table 6.5 for Commission Device. */
async function apply(
  signed: SignedCommissioningRequest,
  target: InventoryDevice | undefined,
  other: InventoryDevice | undefined,
  inv: SmartMeteringInventoryPort,
  now: Date,
): Promise<S1spAlert | undefined> {
  const body = signed.request.body;
  switch (body.request) {
    case 'Device Pre-notification': {
      // TMAD 3.3(b): a non-CHF Device enters the SMI through the Commissioning Party (or its Responsible
      // Supplier), which only submits requests for installations an SCF marked successful (6.3(b)-(d)).
      const existing = await inv.device(body.deviceId);
      if (!existing)
        await inv.put({ deviceId: body.deviceId, deviceType: body.deviceType, status: 'Pending' });
      return undefined;
    }
    case 'Update HAN Device Log':
      await inv.put({
        ...other!,
        status: other!.status === 'Pending' ? 'Whitelisted' : other!.status,
        chfDeviceId: target!.deviceId,
        ...(body.importMpxn !== undefined ? { mpxn: body.importMpxn } : {}),
      });
      return undefined;
    case 'Request Handover Of DCC Controlled Device':
      if (body.remotePartyRole === 'Supplier') {
        const first = certificateOf(body.replacementCertificates[0]!.der);
        await inv.put({ ...target!, notifiedSupplierId: first?.entityId ?? null });
      }
      return undefined;
    case 'Join Service (Critical)':
    case 'Join Service (Non-Critical)':
      if (target!.deviceType === 'GSME' && other!.deviceType === 'GPF') {
        await inv.put({ ...target!, gpfDeviceId: other!.deviceId });
        await inv.put({
          ...other!,
          mpxn: other!.mpxn ?? target!.mpxn ?? null,
          chfDeviceId: other!.chfDeviceId ?? target!.chfDeviceId ?? null,
        });
      }
      return undefined;
    case 'Commission Device': {
      await inv.put({ ...target!, status: 'Commissioned' });
      return s1mc1(signed, target!, inv, now);
    }
  }
}

/** TMAD 6.5, Table 6.5: the S1SP Alert S1MC1 after a successful Commission Device. */
async function s1mc1(
  signed: SignedCommissioningRequest,
  device: InventoryDevice,
  inv: SmartMeteringInventoryPort,
  now: Date,
): Promise<S1spAlert> {
  let gpf = device.gpfDeviceId ?? null;
  if (device.deviceType === 'GSME' && !gpf && device.chfDeviceId) {
    // The GSME's Join Service to its GPF (6.3.17) comes after 6.3.14: the GPF is the CHF's (same hub).
    const chf = await inv.device(device.chfDeviceId);
    gpf = chf?.gpfDeviceId ?? null;
  }
  const parts = [device.mpxn ?? '', device.chfDeviceId ?? ''];
  if (device.deviceType === 'GSME') parts.push(gpf ?? '');
  return {
    requestId: `${device.notifiedSupplierId ?? ''}:${signed.request.requestId.businessTargetId}:1`,
    deviceId: signed.request.requestId.businessTargetId,
    s1spAlertCode: 'S1MC1',
    additionalInformation: parts.join(':'),
    dateTime: now.toISOString(),
  };
}

/** The DCC as a CommissioningRequestPort (what the Commissioning Party submits to). */
export function dccCommissioningRequestPort(opts: DccCommissioningOptions): CommissioningRequestPort {
  return { submit: (r) => processCommissioningRequest(r, opts) };
}
