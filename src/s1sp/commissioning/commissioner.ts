// TMAD 5.27: the S1SP's (and, through DcoRequests, the DCO's) commissioning of each S1SP Viable
// Installation: the 'S1SP / DCO Commissioning of SMETS1 Installation' table of its GroupID (12.9 for
// AA, and by 13.11 and 14.10 for BA, CA, CB; 15.9 for EA, EB, EC; 16.9 and 16.10 for DA), in order;
// on a Critical failure (5.27(b)) the SCF failure entry, the group's Installation Rollback (12.10,
// 13.12, 14.11; 15.10; 16.11) and the discarding of everything stored; on success (5.27(c)) the keys
// needed to talk to the CHF kept (sealed) and the DCO told (5.20(b)). docs/S1SP-COMMISSIONING.md.
import type { InstallationRef } from '../../core/dco-requests/index.js';
import type { HeadEnd, RollbackCertificate, SmiChfRequests } from '../../core/head-end/index.js';
import type { FailedCheck } from '../../core/formats/migration-files/index.js';
import { isGroupId, type GroupId } from '../../core/ids/reference.js';
import { createSealer, openSealed, type ScryptParameters, type Sealer } from '../../lib/crypto/seal.js';
import { configuration } from '../../config.js';
import type {
  CommissionInstallation,
  S1spCommissioningOutcome,
  S1spViableInstallation,
} from '../commissioning-contract.js';
import {
  APPENDIX_A_SUPPORTING_DATA,
  commissionChfDp01,
  installingEsmeA1,
  installingGsmeA2,
  securingEsmeA5,
} from './appendix-a.js';
import {
  APPENDIX_B_SUPPORTING_DATA,
  installingEsmeB2,
  installingGsmeB3,
  securingEsmeB6,
} from './appendix-b.js';
import { APPENDIX_C_SUPPORTING_DATA, installingEsmeC1, installingGsmeC2, securingC } from './appendix-c.js';
import {
  onWhitelist,
  StepFailure,
  TableCheckFailure,
  type StepContext,
  type SupportingDataKind,
} from './context.js';
import {
  createMemoryKeyStore,
  installationKey,
  sealContext,
  type CommissioningKeyStore,
} from './key-store.js';

/** One row of a group's commissioning table. */
export interface CommissioningStep {
  /** The table's StepNumber; an Appendix failure appends ".<error code>" (e.g. 12.9.1.ET05). */
  stepNumber: string;
  /** Which part of the TMAD the row performs. */
  performs: string;
  /** Every row of Tables 12.9, 15.9, 16.9 and 16.10 is Critical (5.27(b)). */
  critical: true;
  /** Whether it applies to this installation. */
  when?: (ctx: StepContext) => boolean;
  run: (ctx: StepContext, o: { inventory: SmiChfRequests }) => Promise<void>;
  /** DA: a row of Table 16.9, which may run up to 7 days in advance (16.9). */
  advance?: boolean;
  /** DA: a "Securing a SMETS1 GSME" row: its failure reverts control to the SMSO (16.11.1). */
  securingGsme?: boolean;
}

const hasGsme = (c: StepContext): boolean => c.installation.mcf.gsmeDetail !== undefined;
const hasPpmid = (c: StepContext): boolean => c.installation.mcf.ppmidDetail !== undefined;
const nothing = async (): Promise<void> => {};

/** A check of a group table on the whitelist read earlier (12.9.4-12.9.6, 15.9.4, 16.9.4). */
function whitelistCheck(
  stepNumber: string,
  device: (c: StepContext) => string,
  what: string,
): CommissioningStep['run'] {
  return async (ctx) => {
    if (!ctx.whitelist) {
      // 16.9.4: C1 reads no whitelist; without a GSME (C2 GT01) it is read here (docs/SPEC-DECISIONS.md).
      const h = await ctx.headEnd.openDeviceSession(ctx.chf, ctx.installation.mcf.chfDetail.deviceId, {
        errorCode: stepNumber,
      });
      if (!h.ok) throw new TableCheckFailure(stepNumber, `the CHF Whitelist could not be read: ${h.reason}`);
      const wl = await ctx.headEnd.readChfWhitelist(h.value, { errorCode: stepNumber });
      await ctx.headEnd.close(h.value, { errorCode: stepNumber });
      if (!wl.ok)
        throw new TableCheckFailure(stepNumber, `the CHF Whitelist could not be read: ${wl.reason}`);
      ctx.whitelist = wl.value;
    }
    if (!onWhitelist(ctx.whitelist, device(ctx)))
      throw new TableCheckFailure(stepNumber, `the ${what} is not in the CHF Whitelist`);
  };
}

/** Table 12.9 (AA; BA by 13.11; CA and CB by 14.10), in the order printed. */
export function table129(o: {
  chfRequiresEsmeOnWhitelist: (ctx: StepContext) => boolean;
}): CommissioningStep[] {
  return [
    {
      stepNumber: '12.9.1',
      performs: 'Appendix A Table A1 Installing a SMETS1 Electricity Meter',
      critical: true,
      run: installingEsmeA1,
    },
    {
      stepNumber: '12.9.2',
      performs: 'Appendix A Table A2 Installing a SMETS1 GSME',
      critical: true,
      when: hasGsme,
      run: installingGsmeA2,
    },
    // The table numbers this row 12.9.1 again; it is kept (an ET08 failure reads 12.9.1.ET08).
    {
      stepNumber: '12.9.1',
      performs: 'Appendix A Table A5 Securing a SMETS1 ESME',
      critical: true,
      run: securingEsmeA5,
    },
    {
      stepNumber: '12.9.3',
      performs: 'Appendix A Table A3 Installing a SMETS1 PPMID (no rows)',
      critical: true,
      when: hasPpmid,
      run: nothing,
    },
    {
      stepNumber: '12.9.4',
      performs: 'the ESME in the CHF Whitelist (CHF models that require it)',
      critical: true,
      when: o.chfRequiresEsmeOnWhitelist,
      run: whitelistCheck('12.9.4', (c) => c.installation.mcf.esmeDetail.deviceId, 'ESME'),
    },
    {
      stepNumber: '12.9.5',
      performs: 'the GSME in the CHF Whitelist',
      critical: true,
      when: hasGsme,
      run: whitelistCheck('12.9.5', (c) => c.installation.mcf.gsmeDetail!.deviceId, 'GSME'),
    },
    {
      stepNumber: '12.9.6',
      performs: 'the PPMID in the CHF Whitelist',
      critical: true,
      when: hasPpmid,
      run: whitelistCheck('12.9.6', (c) => c.installation.mcf.ppmidDetail!.deviceId, 'PPMID'),
    },
    {
      stepNumber: '12.9.7',
      performs: 'Appendix A Table A4 Commission Device (CHF)',
      critical: true,
      run: (c, x) => commissionChfDp01(c, x.inventory),
    },
  ];
}

/** Table 15.9 (EA, EB, EC). */
export function table159(): CommissioningStep[] {
  return [
    {
      stepNumber: '15.9.1',
      performs: 'Appendix B Table B2 Installing a SMETS1 Electricity Meter',
      critical: true,
      run: installingEsmeB2,
    },
    {
      stepNumber: '15.9.2',
      performs: 'Appendix B Table B3 Installing a SMETS1 GSME',
      critical: true,
      when: hasGsme,
      run: installingGsmeB3,
    },
    {
      stepNumber: '15.9.3',
      performs: 'Appendix B B4 Installing a SMETS1 PPMID (nothing)',
      critical: true,
      when: hasPpmid,
      run: nothing,
    },
    {
      stepNumber: '15.9.4',
      performs: 'the PPMID in the CHF Whitelist read at 15.9.1',
      critical: true,
      when: hasPpmid,
      run: whitelistCheck('15.9.4', (c) => c.installation.mcf.ppmidDetail!.deviceId, 'PPMID'),
    },
    {
      stepNumber: '15.9.5',
      performs: 'Appendix B Table B6 Securing a SMETS1 ESME',
      critical: true,
      run: securingEsmeB6,
    },
    {
      stepNumber: '15.9.6',
      performs: 'Appendix B Table B5 Commission Device (CHF)',
      critical: true,
      run: (c, x) => commissionChfDp01(c, x.inventory),
    },
  ];
}

/** Tables 16.9 (may run up to 7 days in advance) and 16.10 (never in advance), DA. */
export function table169and1610(): CommissioningStep[] {
  return [
    {
      stepNumber: '16.9.1',
      performs: 'Appendix C Table C1 Installing a SMETS1 Electricity Meter',
      critical: true,
      advance: true,
      run: installingEsmeC1,
    },
    {
      stepNumber: '16.9.2',
      performs: 'Appendix C Table C2 Installing a SMETS1 GSME',
      critical: true,
      advance: true,
      when: hasGsme,
      run: installingGsmeC2,
    },
    {
      stepNumber: '16.9.3',
      performs: 'Appendix C C3 Installing a SMETS1 PPMID (nothing)',
      critical: true,
      advance: true,
      when: hasPpmid,
      run: nothing,
    },
    {
      stepNumber: '16.9.4',
      performs: 'the PPMID in the CHF Whitelist',
      critical: true,
      advance: true,
      when: hasPpmid,
      run: whitelistCheck('16.9.4', (c) => c.installation.mcf.ppmidDetail!.deviceId, 'PPMID'),
    },
    {
      stepNumber: '16.10.1',
      performs: 'Appendix C Table C5 Securing a SMETS1 GSME',
      critical: true,
      when: hasGsme,
      securingGsme: true,
      run: (c) => securingC(c, 'GSME'),
    },
    {
      stepNumber: '16.10.2',
      performs: 'Appendix C Table C6 Securing a SMETS1 ESME',
      critical: true,
      run: (c) => securingC(c, 'ESME'),
    },
    {
      stepNumber: '16.10.3',
      performs: 'Appendix C Table C4 Commission Device (CHF)',
      critical: true,
      run: (c, x) => commissionChfDp01(c, x.inventory),
    },
  ];
}

/** The commissioning table of a GroupID (TMAD 12.9, 13.11, 14.10, 15.9, 16.9 + 16.10). */
export function commissioningTable(
  groupId: GroupId,
  o: { chfRequiresEsmeOnWhitelist: (ctx: StepContext) => boolean },
): CommissioningStep[] {
  if (groupId === 'DA') return table169and1610();
  if (groupId === 'EA' || groupId === 'EB' || groupId === 'EC') return table159();
  return table129(o);
}

const SUPPORTING: Readonly<Record<'A' | 'B' | 'C', Readonly<Record<string, SupportingDataKind>>>> = {
  A: APPENDIX_A_SUPPORTING_DATA,
  B: APPENDIX_B_SUPPORTING_DATA,
  C: APPENDIX_C_SUPPORTING_DATA,
};
const appendixOf = (g: GroupId): 'A' | 'B' | 'C' =>
  g === 'DA' ? 'C' : g === 'EA' || g === 'EB' || g === 'EC' ? 'B' : 'A';

export interface CommissionerOptions {
  headEnd: HeadEnd;
  /** DP01: the S1SP's instruction to the DCC to add the CHF to the Smart Metering Inventory. */
  inventory: SmiChfRequests;
  /** Where the keys are kept, sealed (default: in memory). */
  keyStore?: CommissioningKeyStore;
  /** The passphrase keys are sealed under (default config.ts keyPassphrase: S1MIG_KEY_PASSPHRASE). */
  passphrase?: string | undefined;
  /** scrypt parameters of the seal (default DEFAULT_SCRYPT). */
  scrypt?: ScryptParameters;
  /** A sealer made once for many commissioners (one scrypt): default, one of its own. */
  sealer?: Sealer;
  /** TMAD 5.1(c): the SMSO's rollback certificates for 15.10.3 (EA, EB, EC). */
  rollbackCertificates?: (installation: S1spViableInstallation) => readonly RollbackCertificate[];
  /**
   * 12.9.4: whether the CHF's Device Model requires the ESME in its whitelist. Default: GroupID AA
   * (12.12: its whitelist always includes the ESME; 13.14 and 14.13: the others never do).
   */
  chfRequiresEsmeOnWhitelist?: (installation: S1spViableInstallation) => boolean;
  /** TMAD 12.10.1/12.10.2, 15.10.1/15.10.2: an Incident when keys cannot be deleted. */
  raiseIncident?: (incident: {
    kind: 'key-deletion-failure';
    summary: string;
    step: string;
  }) => Promise<void>;
}

/** How an installation's commissioning went, for an operator's log (never a key). */
export interface CommissioningTrace {
  steps: Array<{
    stepNumber: string;
    performs: string;
    result: 'done' | 'skipped' | 'failed' | 'done in advance';
  }>;
  rollback: Array<{ step: string; ok: boolean; reason?: string }>;
}

/** TMAD 5.27 for one S1SP Viable Installation (the contract of src/s1sp/commissioning-contract.ts), with extras. */
export type Commissioner = CommissionInstallation & {
  /**
   * TMAD 16.9 (DA only): the Table 16.9 steps up to 7 days before the rest of 5.27. A failure is the
   * installation's outcome (the SCF entry is written when the rest would have run; MRR S1MIG-006).
   * Table 16.10 never runs here (16.10).
   */
  commissionInAdvance: (
    installation: S1spViableInstallation,
    services: Parameters<CommissionInstallation>[1],
  ) => Promise<{ ok: true; steps: string[] } | { ok: false; outcome: S1spCommissioningOutcome }>;
  /** The step trace of the latest run for an installation. */
  trace(ref: InstallationRef): CommissioningTrace | undefined;
  keyStore: CommissioningKeyStore;
};

const ADVANCE_LIMIT = 7 * 86_400_000;

export function createCommissioner(o: CommissionerOptions): Commissioner {
  const keyStore = o.keyStore ?? createMemoryKeyStore();
  const passphrase = 'passphrase' in o ? o.passphrase : configuration().keyPassphrase;
  const sealer = o.sealer ?? createSealer(passphrase, o.scrypt);
  const traces = new Map<string, CommissioningTrace>();
  /** DA: what Table 16.9 left when run in advance (16.9). */
  const advance = new Map<
    string,
    { at: Date; prepayFlag: boolean; whitelist?: StepContext['whitelist']; steps: string[] }
  >();
  const esmeRule = o.chfRequiresEsmeOnWhitelist ?? ((i: S1spViableInstallation) => i.ref.groupId === 'AA');

  const context = (
    installation: S1spViableInstallation,
    services: Parameters<CommissionInstallation>[1],
  ): StepContext => {
    const ref = installation.ref;
    const groupId = ref.groupId;
    return {
      installation,
      ref,
      chf: installation.mcf.chfDetail.deviceId,
      groupId,
      headEnd: o.headEnd,
      dco: services.dco,
      now: services.now,
      keyStore,
      sealer,
      prepayFlag: false,
      serials: new Map(),
      kinds: SUPPORTING[appendixOf(groupId)],
      async openStored(name, at) {
        const e = await keyStore.get(ref, name, at);
        return e ? openSealed(e.sealed, passphrase, sealContext(ref, name)) : undefined;
      },
    };
  };

  /** The FailedCheck of a failure at a table row. */
  const failedCheckOf = (step: CommissioningStep, e: unknown): FailedCheck => {
    if (e instanceof StepFailure)
      return {
        failedStepNumber: `${step.stepNumber}.${e.errorCode}`,
        supportingData: { errorCode: e.errorCode, ...e.supportingData },
      };
    if (e instanceof TableCheckFailure) return { failedStepNumber: e.stepNumber };
    return { failedStepNumber: step.stepNumber };
  };

  /** 5.27(b)(ii)-(iii): the group's Installation Rollback and the discarding of what was stored. */
  const rollback = async (
    ctx: StepContext,
    step: CommissioningStep,
    trace: CommissioningTrace,
  ): Promise<boolean> => {
    const g = ctx.groupId;
    const note = (s: string, r: { ok: boolean; reason?: string }): void => {
      trace.rollback.push({ step: s, ok: r.ok, ...(r.reason !== undefined ? { reason: r.reason } : {}) });
    };
    const deletion = async (s: string): Promise<void> => {
      try {
        await keyStore.deleteInstallation(ctx.ref);
        note(s, { ok: true });
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        note(s, { ok: false, reason });
        await o.raiseIncident?.({
          kind: 'key-deletion-failure',
          summary: `the S1SP could not delete the keys of ${ctx.chf}: ${reason}`,
          step: s,
        });
      }
    };
    const dcoDeletion = async (s: string): Promise<void> => {
      try {
        await ctx.dco.installationRolledBack(ctx.ref);
        note(s, { ok: true });
      } catch (e) {
        note(s, { ok: false, reason: e instanceof Error ? e.message : String(e) });
      }
    };
    const field = async (s: string, r: Promise<{ ok: boolean; reason?: string }>): Promise<void> => {
      try {
        note(s, await r);
      } catch (e) {
        note(s, { ok: false, reason: e instanceof Error ? e.message : String(e) });
      }
    };
    if (g === 'DA') {
      // 16.11.1: revert to the SMSO only if "Securing a SMETS1 GSME" failed; never for the ESME.
      // 5.27(b)(iii) discards what was stored in every case (no deletion step is listed for DA).
      if (step.securingGsme) await field('16.11.1', o.headEnd.revertControlToSmso(ctx.chf));
      await dcoDeletion('5.27(b)(iii) DCO');
      await deletion('5.27(b)(iii)');
      return step.securingGsme === true;
    }
    const [t, restore] = g === 'EA' || g === 'EB' || g === 'EC' ? ['15.10', '15.10.4'] : ['12.10', '12.10.3'];
    await dcoDeletion(`${t}.1`);
    await deletion(`${t}.2`);
    if (t === '15.10')
      await field(
        '15.10.3',
        o.headEnd.reinstateSmsoCertificates(ctx.chf, o.rollbackCertificates?.(ctx.installation) ?? []),
      );
    await field(restore, o.headEnd.restoreWanToSmso(ctx.chf));
    return true;
  };

  const run = async (
    installation: S1spViableInstallation,
    services: Parameters<CommissionInstallation>[1],
    only: 'advance' | 'all',
  ): Promise<{ ctx: StepContext; outcome?: S1spCommissioningOutcome; steps: string[] }> => {
    const ctx = context(installation, services);
    const key = installationKey(ctx.ref);
    const trace: CommissioningTrace = { steps: [], rollback: [] };
    traces.set(key, trace);
    const table = commissioningTable(ctx.groupId, {
      chfRequiresEsmeOnWhitelist: () => esmeRule(installation),
    });
    const early = only === 'all' ? advance.get(key) : undefined;
    const earlyValid = early !== undefined && services.now().getTime() - early.at.getTime() <= ADVANCE_LIMIT;
    if (earlyValid) {
      ctx.prepayFlag = early.prepayFlag;
      if (early.whitelist) ctx.whitelist = early.whitelist;
    }
    const steps: string[] = [];
    for (const step of table) {
      if (only === 'advance' && !step.advance) break; // 16.10: never in advance
      if (step.when && !step.when(ctx)) {
        trace.steps.push({ stepNumber: step.stepNumber, performs: step.performs, result: 'skipped' });
        continue;
      }
      if (earlyValid && step.advance && early.steps.includes(step.stepNumber)) {
        trace.steps.push({ stepNumber: step.stepNumber, performs: step.performs, result: 'done in advance' });
        continue;
      }
      try {
        await step.run(ctx, { inventory: o.inventory });
        trace.steps.push({ stepNumber: step.stepNumber, performs: step.performs, result: 'done' });
        steps.push(step.stepNumber);
      } catch (e) {
        if (!(e instanceof StepFailure) && !(e instanceof TableCheckFailure)) throw e; // a bug, not a device
        trace.steps.push({ stepNumber: step.stepNumber, performs: step.performs, result: 'failed' });
        const rolledBack = await rollback(ctx, step, trace);
        advance.delete(key);
        return {
          ctx,
          steps,
          outcome: {
            kind: 'failed',
            chfIdentifier: ctx.ref.chfIdentifier,
            failedCheck: failedCheckOf(step, e),
            critical: step.critical,
            rolledBack,
          },
        };
      }
    }
    return { ctx, steps };
  };

  const commission: CommissionInstallation = async (installation, services) => {
    if (!isGroupId(installation.ref.groupId))
      throw new RangeError(`unknown GroupID ${String(installation.ref.groupId)}`);
    const key = installationKey(installation.ref);
    const early = advance.get(key);
    const r = await run(installation, services, 'all');
    if (r.outcome) return r.outcome;
    advance.delete(key);
    // 5.27(c)(i): the keys stay in the key store; the DCO is told the CHF is commissioned (5.20(b)).
    await services.dco.chfCommissioned(installation.ref);
    const earlySteps =
      early && services.now().getTime() - early.at.getTime() <= ADVANCE_LIMIT ? early.steps : undefined;
    return {
      kind: 'commissioned',
      chfIdentifier: installation.ref.chfIdentifier,
      ...(r.ctx.prepayFlag ? { prepayFlag: true } : {}),
      ...(earlySteps && earlySteps.length ? { earlySteps } : {}),
    };
  };

  return Object.assign(commission, {
    keyStore,
    trace: (ref: InstallationRef) => traces.get(installationKey(ref)),
    async commissionInAdvance(
      installation: S1spViableInstallation,
      services: Parameters<CommissionInstallation>[1],
    ): ReturnType<Commissioner['commissionInAdvance']> {
      if (installation.ref.groupId !== 'DA')
        throw new RangeError('TMAD 16.9: only GroupID DA has steps that may run in advance');
      const r = await run(installation, services, 'advance');
      if (r.outcome) return { ok: false, outcome: r.outcome };
      advance.set(installationKey(installation.ref), {
        at: services.now(),
        prepayFlag: r.ctx.prepayFlag,
        ...(r.ctx.whitelist ? { whitelist: r.ctx.whitelist } : {}),
        steps: r.steps,
      });
      return { ok: true as const, steps: r.steps };
    },
  });
}
