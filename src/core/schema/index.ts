// SMETS1 Migration Schema (TMAD 10.1), its streaming validator and TMAD 10.2 file names.
export * from './model.js';
export { checkSimpleValue, collapse, MAX_UNSIGNED_LONG } from './lexical.js';
export {
  createSchemaValidator,
  type SchemaProblem,
  type SchemaValidationResult,
  type SchemaValidator,
  type SchemaValidatorOptions,
} from './validator.js';
export { validateXmlFile, validateXml, type ValidateXmlOptions } from './validate-file.js';
export * from './file-names.js';
export { generateXsd, generateSignatureXsd } from './xsd.js';
