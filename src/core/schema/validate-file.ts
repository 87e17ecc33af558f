// Convenience: validate one file (or any XmlSource) against the SMETS1 Migration Schema in one
// streaming pass (TMAD 5.9.1). Well-formedness errors (including any DOCTYPE) become a problem with
// rule 'TMAD 5.9.1'; I/O errors (missing file, ...) are thrown.
import { streamXml, streamXmlFile, XmlSyntaxError, type XmlSource } from '../../lib/xml/sax.js';
import {
  createSchemaValidator,
  type SchemaValidationResult,
  type SchemaValidatorOptions,
} from './validator.js';

export interface ValidateXmlOptions extends SchemaValidatorOptions {
  /** Reject input larger than this many bytes. */
  maxBytes?: number;
  /**
   * TMAD 5.9.1: bound on one node (text, tag, comment, PI, CDATA) in characters, for the parser and the
   * validator's values; default DEFAULT_MAX_NODE_LENGTH (16 MiB).
   */
  maxNodeLength?: number;
}

function streamOpts(opts: ValidateXmlOptions): { maxBytes?: number; maxNodeLength?: number } {
  return {
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    ...(opts.maxNodeLength !== undefined ? { maxNodeLength: opts.maxNodeLength } : {}),
  };
}

async function run(
  drive: (sink: ReturnType<typeof createSchemaValidator>['sink']) => Promise<void>,
  opts: ValidateXmlOptions,
): Promise<SchemaValidationResult> {
  const v = createSchemaValidator(
    opts.maxNodeLength !== undefined && opts.maxValueLength === undefined
      ? { ...opts, maxValueLength: opts.maxNodeLength }
      : opts,
  );
  try {
    await drive(v.sink);
  } catch (e) {
    if (!(e instanceof XmlSyntaxError)) throw e;
    const r = v.result();
    const problem = {
      line: e.line,
      column: e.column,
      element: e.element ?? '',
      rule: 'TMAD 5.9.1',
      message: `not well-formed XML: ${e.reason}`,
    };
    return { ...r, valid: false, problems: [...r.problems, problem] };
  }
  return v.result();
}

export function validateXmlFile(
  path: string,
  opts: ValidateXmlOptions = {},
): Promise<SchemaValidationResult> {
  // TMAD 5.9.1 / 10.2: the name states the file type the root must be (unless the caller names it).
  const withName = opts.fileName !== undefined ? opts : { ...opts, fileName: path };
  return run((sink) => streamXmlFile(path, [sink], streamOpts(withName)), withName);
}

export function validateXml(
  source: XmlSource,
  opts: ValidateXmlOptions = {},
): Promise<SchemaValidationResult> {
  return run((sink) => streamXml(source, [sink], streamOpts(opts)), opts);
}
