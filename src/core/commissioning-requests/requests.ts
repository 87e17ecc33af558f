// Commissioning Requests (TMAD 8, Tables 8.7.1-8.7.4): the requests the Commissioning Party sends to
// the DCC, the DCC's Responses and their Response Codes, and the S1SP Alert S1MC1 (Table 6.5). The
// agreement between src/commissioning-party (which builds and submits them) and src/dcc (which
// validates and applies them): the two meet only through CommissioningRequestPort.
//
// The DUIS XML envelope is not modelled: a request carries the DUIS data items Table 8.7.4 names, and
// the certificate that verified its Digital Signature (the Commissioning Party's
// commissioningPartyXmlSigning certificate, Table 5.5) travels with it (docs/SPEC-DECISIONS.md).
import type { CertificateId } from '../ids/certificate-id.js';

/** The six Commissioning Requests (TMAD 2 'Commissioning Request', Table 6.3, Table 8.7.2). */
export const COMMISSIONING_REQUEST_NAMES = [
  'Request Handover Of DCC Controlled Device',
  'Commission Device',
  'Join Service (Critical)',
  'Join Service (Non-Critical)',
  'Update HAN Device Log',
  'Device Pre-notification',
] as const;
export type CommissioningRequestName = (typeof COMMISSIONING_REQUEST_NAMES)[number];

/** TMAD Table 8.7.2: the Service Reference and Service Reference Variant of each (DUIS meanings). */
export const TABLE_8_7_2: Readonly<
  Record<CommissioningRequestName, { serviceReference: string; serviceReferenceVariant: string }>
> = Object.freeze({
  'Request Handover Of DCC Controlled Device': { serviceReference: '6.21', serviceReferenceVariant: '6.21' },
  'Commission Device': { serviceReference: '8.1', serviceReferenceVariant: '8.1.1' },
  'Join Service (Critical)': { serviceReference: '8.7', serviceReferenceVariant: '8.7.1' },
  'Join Service (Non-Critical)': { serviceReference: '8.7', serviceReferenceVariant: '8.7.2' },
  'Update HAN Device Log': { serviceReference: '8.11', serviceReferenceVariant: '8.11' },
  'Device Pre-notification': { serviceReference: '12.2', serviceReferenceVariant: '12.2' },
});

/** TMAD Table 8.7.2: the Commissioning Request of this pair, or undefined (then E48, Table 8.7.1). */
export function commissioningRequestOf(
  serviceReference: string,
  serviceReferenceVariant: string,
): CommissioningRequestName | undefined {
  return COMMISSIONING_REQUEST_NAMES.find(
    (n) =>
      TABLE_8_7_2[n].serviceReference === serviceReference &&
      TABLE_8_7_2[n].serviceReferenceVariant === serviceReferenceVariant,
  );
}

export type RemotePartyRoleValue = 'Supplier' | 'NetworkOperator';

/** DUIS RequestID (Table 8.7.4). */
export interface RequestId {
  businessOriginatorId: string;
  businessTargetId: string;
  originatorCounter: bigint;
}

/** One certificate of ReplacementCertificates / CertificationPathCertificates: its ID and DER. */
export interface CarriedCertificate {
  certificateId: CertificateId;
  /** base64 DER. */
  der: string;
}

/** The body of each request, with the Table 8.7.4 values. */
export type CommissioningRequestBody =
  | {
      request: 'Device Pre-notification';
      deviceId: string;
      deviceManufacturer: string;
      deviceModel: string;
      deviceType: string;
      /** Absent for a CAD. */
      smetsChtsVersion?: string;
      firmwareVersion?: string;
      /** 'A' for an ESME, else absent. */
      esmeVariant?: string;
    }
  | {
      request: 'Update HAN Device Log';
      /** 'Other SMETS1 Device ID'. */
      deviceId: string;
      requestType: 'Add';
      joinTimePeriod: 1;
      /** GSME: the MPRN; ESME: the MPAN; absent for a PPMID, IHD or CAD (Table 8.7.4 names only these two). */
      importMpxn?: string;
    }
  | {
      request: 'Request Handover Of DCC Controlled Device';
      remotePartyRole: RemotePartyRoleValue;
      remotePartyFloorSeqNumber: 0n;
      /** 0 for RemotePartyRole Supplier and an ESME or GSME; else absent. */
      remotePartyPrepaymentTopUpFloorSeqNumber?: 0n;
      replacementCertificates: CarriedCertificate[];
      certificationPathCertificates: CarriedCertificate[];
      applyTimeBasedCpvChecks: true;
    }
  | {
      request: 'Commission Device';
      /** The Commissioning Party's current date-time (ISO 8601, UTC). */
      currentDateTime: string;
      tolerancePeriod: 0;
    }
  | { request: 'Join Service (Critical)' | 'Join Service (Non-Critical)'; otherDeviceId: string };

export interface CommissioningRequest {
  serviceReference: string;
  serviceReferenceVariant: string;
  requestId: RequestId;
  /** Never present (Table 8.7.4 ExecutionDateTime); kept in the type so a test can plant it. */
  executionDateTime?: string;
  body: CommissioningRequestBody;
}

/** The request as received by the DCC: with the certificate that verified its signature (base64 DER). */
export interface SignedCommissioningRequest {
  request: CommissioningRequest;
  signerCertificate: string;
}

/** DUIS success (the request was processed). */
export const SUCCESS_RESPONSE_CODE = 'I0';

/** TMAD Table 8.7.1 (every request) and Table 8.7.3 (Request Handover Of DCC Controlled Device). */
export const RESPONSE_CODES = Object.freeze({
  E48: { name: 'Commissioning Party is not allowed to use such Service Requests', table: '8.7.1' },
  C2: { name: 'Wrong Remote Party Role for Commissioning Request', table: '8.7.1' },
  E100: { name: 'Commissioning Party identifier mismatch in Commissioning Service Request', table: '8.7.1' },
  C4: { name: 'Target is not a SMETS1 Device', table: '8.7.1' },
  C5: { name: 'Other Device is not a SMETS1 Device', table: '8.7.1' },
  C062199: { name: 'Remote Party Role in Certificates different than in request', table: '8.7.3' },
  C062197: { name: 'Not all identifiers are for the same Party', table: '8.7.3' },
  C062196: { name: 'Asserted Supplier is not the Supplier', table: '8.7.3' },
  C062195: { name: 'Asserted Network Operator is not the Network Operator', table: '8.7.3' },
} as const);
export type ErrorResponseCode = keyof typeof RESPONSE_CODES;
export const ERROR_RESPONSE_CODES = Object.keys(RESPONSE_CODES) as ErrorResponseCode[];

/** TMAD Table 6.5: the S1SP Alert after a Commission Device Commissioning Request. */
export interface S1spAlert {
  /** NotifiedCriticalSupplierID (or a User ID of the Responsible Supplier) : Business Target ID : 1. */
  requestId: string;
  deviceId: string;
  s1spAlertCode: 'S1MC1';
  /** MPxN : CHF EUI-64 [: GPF EUI-64 for a GSME]. */
  additionalInformation: string;
  /** Any value per DUIS 3.9.15.2: the time of the alert (ISO 8601, UTC). */
  dateTime: string;
}

export interface CommissioningResponse {
  requestId: RequestId;
  request: CommissioningRequestName | null;
  /** 'I0' on success, else the Response Code of Table 8.7.1 / 8.7.3. */
  responseCode: typeof SUCCESS_RESPONSE_CODE | ErrorResponseCode;
  /** Response Code Name (Tables 8.7.1, 8.7.3) or 'Success'. */
  responseCodeName: string;
  /** Response code type: 'Error' for every Table 8.7.1/8.7.3 code (the tables say so). */
  responseCodeType: 'Success' | 'Error';
  /** Applicable response type: Acknowledgement for every error of Tables 8.7.1 and 8.7.3. */
  responseType: 'Acknowledgement' | 'Response';
  /** Why (the check and the values that failed it). */
  detail?: string;
  /** TMAD 6.5: the S1SP Alert raised after a successful Commission Device. */
  alert?: S1spAlert;
}

/** The DCC as the Commissioning Party sees it (TMAD 8.1: Commissioning Requests as Service Requests). */
export interface CommissioningRequestPort {
  submit(request: SignedCommissioningRequest): Promise<CommissioningResponse>;
}

/** A Response of Table 8.7.1 / 8.7.3 or a success. */
export function commissioningResponse(
  request: CommissioningRequest,
  code: typeof SUCCESS_RESPONSE_CODE | ErrorResponseCode,
  detail?: string,
  alert?: S1spAlert,
): CommissioningResponse {
  const name = commissioningRequestOf(request.serviceReference, request.serviceReferenceVariant) ?? null;
  const ok = code === SUCCESS_RESPONSE_CODE;
  return {
    requestId: request.requestId,
    request: name,
    responseCode: code,
    responseCodeName: ok ? 'Success' : RESPONSE_CODES[code].name,
    responseCodeType: ok ? 'Success' : 'Error',
    responseType: ok ? 'Response' : 'Acknowledgement',
    ...(detail !== undefined ? { detail } : {}),
    ...(alert ? { alert } : {}),
  };
}
