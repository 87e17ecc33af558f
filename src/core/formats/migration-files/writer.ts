// Streaming writers for the six signed files of Table 10.2 and the two plaintexts of Table 11.2.1.
//
// A writer produces the UNSIGNED document: the root's header elements, the SMETS1Installation elements,
// then the root's end tag. `signXmlFile`/`signXmlString` (src/core/xmldsig) insert the ds:Signature as
// the root's last child, where the schema (TMAD 10.1) puts it. Memory is bounded: each installation is
// serialised and handed to the Writable, waiting for 'drain' when the Writable asks (backpressure).
import { Writable } from 'node:stream';
import { XmlWriter } from '../../../lib/xml/writer.js';
import { rootByFileType } from '../../schema/model.js';
import {
  INSTALLATION_ELEMENT,
  MigrationFileWriteError,
  TARGET_NAMESPACE,
  rootLayout,
  writeComplexElement,
  writeSlots,
} from './codec.js';
import type {
  DecryptedS1spDpGroupInformation,
  DecryptedS1spGroupInformation,
  HeaderByFileType,
  InstallationByFileType,
  SignedMigrationFileType,
} from './types.js';

export { MigrationFileWriteError };

export interface MigrationFileWriter<I> {
  /** Serialise one SMETS1Installation; resolves once the Writable can take more (backpressure). */
  writeInstallation(installation: I): Promise<void>;
  /** Close the root element (no ds:Signature: the signer adds it), end the Writable, wait for it. */
  end(): Promise<void>;
  /** Installations written so far. */
  readonly count: number;
}

export interface MigrationFileWriterOptions {
  /** Indent nested elements (default: none, the smallest file). */
  indent?: string;
  /** Allow end() with no installation (schema-invalid: every root needs at least one, TMAD 10.1). */
  allowEmpty?: boolean;
}

/** Generic writer for any Table 10.2 file type. */
export function createMigrationFileWriter<T extends SignedMigrationFileType>(
  fileType: T,
  out: Writable,
  header: HeaderByFileType[T],
  opts: MigrationFileWriterOptions = {},
): MigrationFileWriter<InstallationByFileType[T]> {
  const layout = rootLayout(fileType);
  const w = new XmlWriter(out, opts.indent !== undefined ? { indent: opts.indent } : {});
  w.xmlDeclaration();
  w.startElement(layout.root.element, { xmlns: TARGET_NAMESPACE });
  // Header first (it is also validated before anything else is written).
  writeSlots(w, layout.header, header as unknown as Record<string, unknown>, fileType + '.header');
  let count = 0;
  let ended = false;
  const instType = layout.installation.particle.type;
  return {
    get count() {
      return count;
    },
    async writeInstallation(inst) {
      if (ended) throw new MigrationFileWriteError(`${fileType}: writeInstallation after end()`);
      writeComplexElement(w, INSTALLATION_ELEMENT, instType, inst, `${fileType}.installations[${count}]`);
      count++;
      await w.drain();
    },
    async end() {
      if (ended) return;
      if (count === 0 && !opts.allowEmpty)
        throw new MigrationFileWriteError(
          `${fileType}: at least one ${INSTALLATION_ELEMENT} is required (TMAD 10.1, ${layout.root.element})`,
        );
      ended = true;
      w.endElement();
      await w.end();
    },
  };
}

// One named constructor per Table 10.2 root.
const writerFor =
  <T extends SignedMigrationFileType>(fileType: T) =>
  (
    out: Writable,
    header: HeaderByFileType[T],
    opts?: MigrationFileWriterOptions,
  ): MigrationFileWriter<InstallationByFileType[T]> =>
    createMigrationFileWriter(fileType, out, header, opts);
export const createMigrationCommonFileWriter = writerFor('MCF');
export const createMigrationValidationFileWriter = writerFor('MVF');
export const createMigrationGroupFileWriter = writerFor('MGF');
export const createMigrationGroupEncryptedFileWriter = writerFor('MEF');
export const createS1spOutcomesFileWriter = writerFor('SCF');
export const createCommissioningOutcomesFileWriter = writerFor('COF');

/** A Writable that collects UTF-8 text (for the toXmlString helpers). */
class StringSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    cb();
  }
}

/** Whole unsigned document as a string (small files, tests). */
export async function migrationFileToXmlString<T extends SignedMigrationFileType>(
  fileType: T,
  header: HeaderByFileType[T],
  installations: Iterable<InstallationByFileType[T]>,
  opts: MigrationFileWriterOptions = {},
): Promise<string> {
  const sink = new StringSink({ decodeStrings: false });
  const w = createMigrationFileWriter(fileType, sink, header, opts);
  for (const i of installations) await w.writeInstallation(i);
  await w.end();
  return sink.text;
}

/** Synchronous string for a plaintext root (not signed). */
function plaintextToXml(
  fileType: 'DecryptedS1SPGroupInformation' | 'DecryptedS1SPDPGroupInformation',
  value: object,
): string {
  const root = rootByFileType(fileType);
  const sink = new StringSink({ decodeStrings: false });
  const w = new XmlWriter(sink, { chunkSize: Number.MAX_SAFE_INTEGER });
  w.xmlDeclaration();
  writeComplexElement(w, root.element, root.type, value, root.element, { xmlns: TARGET_NAMESPACE });
  // Nothing was handed to the sink yet (chunkSize): take the buffer by a synchronous drain.
  void w.drain();
  return sink.text;
}

/** TMAD 11.2 Plaintext for GroupIDs AA/BA/CA/CB/DA: the DecryptedS1SPGroupInformation document. */
export function decryptedS1spGroupInformationToXml(info: DecryptedS1spGroupInformation): string {
  return plaintextToXml('DecryptedS1SPGroupInformation', info);
}

/** TMAD 11.2 Plaintext for GroupIDs EA/EB/EC: the DecryptedS1SPDPGroupInformation document. */
export function decryptedS1spDpGroupInformationToXml(info: DecryptedS1spDpGroupInformation): string {
  return plaintextToXml('DecryptedS1SPDPGroupInformation', info);
}
