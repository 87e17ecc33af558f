// The Table 6.3 sequence for one SMETS1 Installation (TMAD 6.3(d)(i), 8.6), shared by the Commissioning
// Party (Commissioning Requests) and a Responsible Supplier commissioning itself (6.6: "an outcome that
// is equivalent", with Service Requests signed by its own certificate): plan each applicable step with
// the Table 8.7.4 values from the MCF entry, submit it through the port, and record each error
// Response as a FailedCheck. A Handover error Response carries on (8.6); any other stops the sequence
// (`halted`), the caller deciding what follows (the Commissioning Party raises an Incident).
import type { FailedCheck, McfInstallation } from '../formats/migration-files/types.js';
import {
  SUCCESS_RESPONSE_CODE,
  type CommissioningRequestPort,
  type CommissioningResponse,
} from './requests.js';
import { TABLE_6_3, planStep, type BuildContext, type Table63Step } from './table-6-3.js';

export interface SequenceRequest {
  step: string;
  request: string;
  responseCode: string | null;
  note?: string;
}

export interface SequenceResult {
  requests: SequenceRequest[];
  failedChecks: FailedCheck[];
  /** The step whose error Response stopped the sequence (8.6), and that Response. */
  halted?: { step: Table63Step; response: CommissioningResponse };
}

/** Submit the Table 6.3 requests of `inst` in sequence, from `fromStep` (default the first). */
export async function submitTable63(
  inst: McfInstallation,
  ctx: BuildContext,
  port: CommissioningRequestPort,
  /** Base64 DER of the certificate that verifies the requests' signatures. */
  signerCertificate: string,
  fromStep?: string,
): Promise<SequenceResult> {
  const out: SequenceResult = { requests: [], failedChecks: [] };
  const start = fromStep === undefined ? 0 : TABLE_6_3.findIndex((t) => t.step === fromStep);
  if (start < 0) throw new RangeError(`no Table 6.3 step ${fromStep}`);
  for (const step of TABLE_6_3.slice(start)) {
    const planned = await planStep(inst, step, ctx);
    if (planned.kind === 'not-applicable') continue; // 6.3(d)(ii)(2): no error from an absent device or Null IDs
    if (planned.kind === 'error') {
      out.failedChecks.push(planned.failedCheck);
      out.requests.push({ step: step.step, request: step.request, responseCode: null, note: planned.reason });
      continue; // only Handover requests can fail to be built
    }
    const response = await port.submit({ request: planned.request, signerCertificate });
    out.requests.push({ step: step.step, request: step.request, responseCode: response.responseCode });
    if (response.responseCode === SUCCESS_RESPONSE_CODE) continue;
    out.failedChecks.push({
      failedStepNumber: step.step,
      supportingData: {
        deviceId:
          planned.request.body.request === 'Device Pre-notification'
            ? planned.request.body.deviceId
            : planned.request.requestId.businessTargetId,
        errorCode: response.responseCode,
      },
    });
    if (step.request === 'Request Handover Of DCC Controlled Device') continue; // 8.6: carry on
    out.halted = { step, response };
    break;
  }
  return out;
}
