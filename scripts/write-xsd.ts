// Writes schema/smets1-migration.xsd and schema/xmldsig-signature.xsd from the model.
// Usage: npm run schema [-- outDir]   (default: ./schema; a unit test fails if the committed files differ)
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_FILE, SIGNATURE_SCHEMA_FILE } from '../src/core/schema/model.js';
import { generateSignatureXsd, generateXsd } from '../src/core/schema/xsd.js';

const dir = process.argv[2] ?? 'schema';
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, SCHEMA_FILE), generateXsd());
writeFileSync(join(dir, SIGNATURE_SCHEMA_FILE), generateSignatureXsd());
process.stdout.write(`wrote ${join(dir, SCHEMA_FILE)} and ${join(dir, SIGNATURE_SCHEMA_FILE)}\n`);
