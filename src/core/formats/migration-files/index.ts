// Typed streaming readers and writers for the SMETS1 migration files (TMAD 10.1, Table 10.2) and the
// Table 11.2.1 plaintexts; sample-file generator; TMAD 10.2 file names.
export * from './types.js';
export {
  INSTALLATION_ELEMENT,
  camelCaseElementName,
  rootLayout,
  signedFileTypeOfRoot,
  type RootLayout,
} from './codec.js';
export * from './writer.js';
export * from './reader.js';
export * from './file-name.js';
